/**
 * Scriptable SMTP sink servers on loopback for outbound tests. A sink offers
 * (or withholds) PIPELINING, 8BITMIME, SIZE, STARTTLS, AUTH, SMTPUTF8 and DSN,
 * answers each stage as its script says (4xx, 5xx, drop the connection, stay
 * silent), and records every connection and every transaction's envelope
 * and exact DATA bytes (un-stuffed). Written independently of src/.
 */
import * as net from "node:net";
import * as tls from "node:tls";

/** A stage the script can answer. */
export type SinkStage = "greeting" | "ehlo" | "starttls" | "mail" | "rcpt" | "data" | "dot";

/**
 * What the script wants: a reply line(s), "drop" to hang up, "silent" to never
 * answer, or `{ replyThenDrop }` to answer and then hang up (as Exim's `drop` ACL verb does).
 */
export type SinkAnswer = string | "drop" | "silent" | { replyThenDrop: string } | undefined;

/** A completed (or attempted) transaction. */
export interface SinkTransaction {
  from: string;
  mailParams: string;
  rcpts: string[];
  /** The message as the sink received it, dot-stuffing removed. */
  data: Uint8Array;
  isTls: boolean;
  authUser: string | null;
  connection: number;
}

/** Sink options; defaults offer PIPELINING, 8BITMIME, SIZE 10MB. */
export interface SinkOptions {
  hostname?: string;
  /** The loopback address to listen on (default 127.0.0.1; "::1" for IPv6 tests). */
  listenAddress?: string;
  pipelining?: boolean;
  eightBitMime?: boolean;
  smtputf8?: boolean;
  /** Offer DSN (RFC 3461); the parameters are in `commands` and `mailParams`. */
  dsn?: boolean;
  /** SIZE limit; null withholds SIZE. */
  sizeBytes?: number | null;
  /** PEM cert and key: offer STARTTLS (or run implicit TLS with `isImplicitTls`). */
  tls?: { cert: string; key: string };
  isImplicitTls?: boolean;
  /** Plaintext sent right behind the 220 to STARTTLS, in the same write (an injection probe). */
  afterGoAhead?: string;
  /** Offer AUTH PLAIN LOGIN and accept these credentials. */
  auth?: { user: string; password: string };
  /** Wait this long before answering the final dot (to catch a delivery in flight). */
  dotDelayMs?: number;
  /** Answer a stage differently; return undefined for the default. */
  script?: (stage: SinkStage, arg: string, state: { connection: number; tx: number }) => SinkAnswer;
}

/** A running sink. */
export interface Sink {
  port: number;
  transactions: SinkTransaction[];
  /** Connections accepted so far. */
  connections(): number;
  /** Highest number of connections open at once. */
  maxConcurrent(): number;
  /** Every command line received, in order, per connection (index = connection number). */
  commands: string[][];
  setScript(script: SinkOptions["script"]): void;
  close(): Promise<void>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Starts a sink on 127.0.0.1:0 (or `options.listenAddress`, or `port`). */
export async function startSink(options: SinkOptions = {}, port = 0): Promise<Sink> {
  const transactions: SinkTransaction[] = [];
  const commands: string[][] = [];
  const sockets = new Set<net.Socket>();
  let connections = 0;
  let open = 0;
  let maxOpen = 0;
  let script = options.script;
  let txCount = 0;
  const handler = (socket: net.Socket) => {
    socket.setNoDelay(true);
    const id = connections++;
    commands[id] = [];
    open++;
    maxOpen = Math.max(maxOpen, open);
    sockets.add(socket);
    socket.on("close", () => {
      open--;
      sockets.delete(socket);
    });
    socket.on("error", () => {});
    void converse(socket, id, options.isImplicitTls === true).catch(() => socket.destroy());
  };
  const converse = async (first: net.Socket, id: number, isTls: boolean) => {
    const reader = new SocketReader(first);
    const host = options.hostname ?? "sink.test";
    let authUser: string | null = null;
    let tx: Partial<SinkTransaction> | null = null;
    const ask = (stage: SinkStage, arg: string) =>
      script?.(stage, arg, { connection: id, tx: txCount });
    const send = (answer: SinkAnswer, fallback: string): boolean => {
      if (typeof answer === "object") {
        reader.socket.end(
          answer.replyThenDrop.replace(/\r?\n/g, "\r\n").replace(/(\r\n)?$/, "\r\n"),
        );
        return false;
      }
      const text = answer ?? fallback;
      if (text === "drop") {
        reader.socket.destroy();
        return false;
      }
      if (text === "silent") return false;
      reader.socket.write(text.replace(/\r?\n/g, "\r\n").replace(/(\r\n)?$/, "\r\n"));
      if (!/^421/m.test(text)) return true; // any 421 line closes, as a real server does
      reader.socket.end();
      return false;
    };
    if (!send(ask("greeting", ""), `220 ${host} ESMTP sink`)) return;
    while (true) {
      const line = await reader.line();
      if (line === null) return;
      commands[id]!.push(line);
      const verb = line.split(" ")[0]!.toUpperCase();
      const arg = line.slice(verb.length + 1);
      if (verb === "EHLO") {
        const keywords = [host];
        if (options.pipelining !== false) keywords.push("PIPELINING");
        if (options.eightBitMime !== false) keywords.push("8BITMIME");
        if (options.smtputf8) keywords.push("SMTPUTF8");
        if (options.dsn) keywords.push("DSN");
        const size = options.sizeBytes === undefined ? 10_000_000 : options.sizeBytes;
        if (size !== null) keywords.push(`SIZE ${size}`);
        if (options.tls && !isTls && !options.isImplicitTls) keywords.push("STARTTLS");
        if (options.auth) keywords.push("AUTH PLAIN LOGIN");
        const fallback = keywords.map((k, i) => `250${i === keywords.length - 1 ? " " : "-"}${k}`)
          .join("\r\n");
        if (!send(ask("ehlo", arg), fallback)) return;
      } else if (verb === "HELO") {
        if (!send(undefined, `250 ${host}`)) return;
      } else if (verb === "STARTTLS" && options.tls && !isTls) {
        const answer = ask("starttls", "");
        if (answer !== undefined) {
          if (!send(answer, "")) return;
          continue;
        }
        reader.socket.write("220 2.0.0 go ahead\r\n" + (options.afterGoAhead ?? ""));
        const secure = new tls.TLSSocket(reader.detach(), {
          isServer: true,
          secureContext: tls.createSecureContext(options.tls),
        });
        secure.on("error", () => {});
        reader.attach(secure);
        isTls = true;
      } else if (verb === "AUTH" && options.auth) {
        const [mechanism = "", initial] = arg.split(" ");
        let user = "";
        let password = "";
        if (mechanism.toUpperCase() === "PLAIN") {
          const fields = atob(initial ?? "").split("\0");
          [, user = "", password = ""] = fields;
        } else {
          reader.socket.write("334 VXNlcm5hbWU6\r\n");
          user = atob((await reader.line()) ?? "");
          reader.socket.write("334 UGFzc3dvcmQ6\r\n");
          password = atob((await reader.line()) ?? "");
        }
        const isOk = user === options.auth.user && password === options.auth.password;
        if (isOk) authUser = user;
        reader.socket.write(isOk ? "235 2.7.0 ok\r\n" : "535 5.7.8 bad credentials\r\n");
      } else if (verb === "MAIL") {
        tx = {
          from: /<([^>]*)>/.exec(arg)?.[1] ?? "",
          mailParams: arg.replace(/^[^>]*>\s*/, ""),
          rcpts: [],
        };
        if (!send(ask("mail", arg), "250 2.1.0 ok")) return;
      } else if (verb === "RCPT") {
        const answer = ask("rcpt", /<([^>]*)>/.exec(arg)?.[1] ?? "");
        const text = typeof answer === "object" ? answer.replyThenDrop : answer ?? "250 2.1.5 ok";
        if (tx && /^2/.test(text)) tx.rcpts!.push(/<([^>]*)>/.exec(arg)?.[1] ?? "");
        if (!send(answer, text)) return;
      } else if (verb === "DATA") {
        const isReady = tx && tx.rcpts!.length > 0;
        const answer = ask("data", "");
        if (!send(answer, isReady ? "354 go ahead" : "554 5.5.1 no valid recipients")) return;
        if (!isReady || (typeof answer === "string" && !/^354/.test(answer))) continue;
        const data = await reader.dataBlock();
        if (data === null) return;
        const done = {
          ...tx!,
          data,
          isTls,
          authUser,
          connection: id,
        } as SinkTransaction;
        if (options.dotDelayMs) await new Promise((r) => setTimeout(r, options.dotDelayMs));
        const dot = ask("dot", "");
        if (dot === undefined || (typeof dot === "string" && /^2/.test(dot))) {
          transactions.push(done);
        }
        txCount++;
        tx = null;
        if (!send(dot, "250 2.0.0 queued")) return;
      } else if (verb === "RSET") {
        tx = null;
        if (!send(undefined, "250 2.0.0 ok")) return;
      } else if (verb === "QUIT") {
        send(undefined, "221 2.0.0 bye");
        reader.socket.end();
        return;
      } else if (verb === "NOOP") {
        send(undefined, "250 2.0.0 ok");
      } else {
        send(undefined, "502 5.5.1 unknown command");
      }
    }
  };
  const server = options.isImplicitTls && options.tls
    ? tls.createServer({ cert: options.tls.cert, key: options.tls.key }, handler)
    : net.createServer(handler);
  // An implicit-TLS server hands over a socket only once its handshake is done:
  // close() must also end the connections that never got that far.
  const raw = new Set<net.Socket>();
  server.on("connection", (socket: net.Socket) => {
    raw.add(socket);
    socket.on("close", () => raw.delete(socket));
  });
  await new Promise<void>((resolve) =>
    server.listen(port, options.listenAddress ?? "127.0.0.1", resolve)
  );
  return {
    port: (server.address() as net.AddressInfo).port,
    transactions,
    commands,
    connections: () => connections,
    maxConcurrent: () => maxOpen,
    setScript: (next) => script = next,
    close: () =>
      new Promise((resolve) => {
        for (const socket of [...sockets, ...raw]) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Line and DATA reading over a socket that may be swapped for a TLS one. */
class SocketReader {
  socket: net.Socket;
  #buffer = new Uint8Array(0);
  #isEnded = false;
  #wake: (() => void) | null = null;
  #onData = (chunk: Uint8Array) => {
    const joined = new Uint8Array(this.#buffer.length + chunk.length);
    joined.set(this.#buffer);
    joined.set(chunk, this.#buffer.length);
    this.#buffer = joined;
    this.#wake?.();
  };
  #onEnd = () => {
    this.#isEnded = true;
    this.#wake?.();
  };

  constructor(socket: net.Socket) {
    this.socket = socket;
    this.attach(socket);
  }

  attach(socket: net.Socket): void {
    this.socket = socket;
    socket.on("data", this.#onData);
    socket.on("end", this.#onEnd);
    socket.on("close", this.#onEnd);
  }

  detach(): net.Socket {
    this.socket.off("data", this.#onData);
    this.socket.off("end", this.#onEnd);
    this.socket.off("close", this.#onEnd);
    this.#buffer = new Uint8Array(0);
    return this.socket;
  }

  async #waitFor(find: () => number): Promise<number> {
    while (true) {
      const at = find();
      if (at >= 0) return at;
      if (this.#isEnded) return -1;
      await new Promise<void>((resolve) => this.#wake = resolve);
      this.#wake = null;
    }
  }

  async line(): Promise<string | null> {
    const at = await this.#waitFor(() => this.#buffer.indexOf(10));
    if (at < 0) return null;
    const text = decoder.decode(this.#buffer.subarray(0, at)).replace(/\r$/, "");
    this.#buffer = this.#buffer.slice(at + 1);
    return text;
  }

  /** Reads DATA up to CRLF.CRLF and removes dot-stuffing; null on EOF. */
  async dataBlock(): Promise<Uint8Array | null> {
    const end = encoder.encode("\r\n.\r\n");
    const find = () => {
      if (
        this.#buffer.length >= 3 && this.#buffer[0] === 46 && this.#buffer[1] === 13 &&
        this.#buffer[2] === 10
      ) {
        return -2;
      }
      return indexOf(this.#buffer, end);
    };
    const at = await this.#waitFor(() => {
      const found = find();
      return found === -2 ? 0 : found;
    });
    if (at < 0) return null;
    const isEmpty = this.#buffer[0] === 46 && at === 0;
    const raw = isEmpty ? new Uint8Array(0) : this.#buffer.slice(0, at + 2);
    this.#buffer = this.#buffer.slice(isEmpty ? 3 : at + 5);
    const out: number[] = [];
    let isLineStart = true;
    for (let i = 0; i < raw.length; i++) {
      const byte = raw[i]!;
      if (!(isLineStart && byte === 46)) out.push(byte);
      isLineStart = byte === 10 && raw[i - 1] === 13;
    }
    return new Uint8Array(out);
  }
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
