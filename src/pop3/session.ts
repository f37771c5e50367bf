/**
 * One POP3 session (RFC 1939): AUTHORIZATION until a login, then
 * TRANSACTION over a snapshot of the mailbox taken at login, then UPDATE at
 * QUIT. Every reply and refusal becomes bytes in one place (`#send`); an
 * unexpected exception becomes `-ERR [SYS/TEMP] ... (cid)` and a logged
 * stack, and the session goes on. A session that ends without QUIT deletes
 * nothing.
 */
import { MAX_SASL_LINE_OCTETS } from "../auth/mod.ts";
import type { Logger } from "../log/mod.ts";
import { errorText, newCid } from "../log/mod.ts";
import type { Mailbox, MessageInfo } from "../mailbox/mod.ts";
import type { Connection } from "../net/mod.ts";
import { refuseRevokedLogin } from "./auth.ts";
import { COMMANDS, type Pop3State } from "./commands.ts";
import type { Pop3ServerOptions } from "./options.ts";
import { Pop3Error } from "./pop3_error.ts";
import { DOT_LINE, formatPop3Reply, type Pop3Reply } from "./reply.ts";

/** RFC 2449 4: a command line is at most 255 octets with its CRLF. */
export const MAX_COMMAND_LINE_OCTETS = 255;
const DEFAULT_MAX_ERRORS = 10;

/** The mailbox a logged-in session holds: the lease, the snapshot and the deletion marks. */
export interface Maildrop {
  account: string;
  /** What the password was checked against at login (see `refuseRevokedLogin`). */
  grant: string;
  mailbox: Mailbox;
  releaseLease: () => void;
  /** Message number n is `messages[n - 1]`, fixed for the session (RFC 1939 5). */
  messages: readonly MessageInfo[];
  /** `sizes[n - 1]`: message n's octets as RETR sends them (CRLF line ends; RFC 1939 11). */
  sizes: readonly number[];
  /** Message numbers marked by DELE. */
  deleted: Set<number>;
  /** `uidls[n - 1]`: message n's UIDL, from the session's first UIDL on. */
  uidls: readonly string[] | null;
}

/** The state of one connection; command handlers read and change it. */
export class Pop3Session {
  readonly cid = newCid();
  readonly connection: Connection;
  readonly options: Pop3ServerOptions;
  readonly log: Logger;
  /** The name from USER, waiting for PASS. */
  pendingUser: string | null = null;
  maildrop: Maildrop | null = null;
  retrieved = 0;
  #errors = 0;
  #isClosing = false;

  constructor(connection: Connection, options: Pop3ServerOptions) {
    this.connection = connection;
    this.options = options;
    this.log = options.log.with({ cid: this.cid });
  }

  get state(): Pop3State {
    return this.maildrop === null ? "authorization" : "transaction";
  }

  /** Whether USER/PASS and AUTH may be used now: over TLS, or when allowed in the clear. */
  get mayLogin(): boolean {
    return this.connection.tls !== null || this.options.insecureAuth;
  }

  /** Whether STLS is on offer. */
  get mayStartTls(): boolean {
    return this.options.tls !== null && this.connection.tls === null &&
      this.state === "authorization";
  }

  /** Runs the session until QUIT, a fatal refusal, idle timeout or the peer leaving. */
  async run(): Promise<void> {
    this.log.info("pop3.connect", {
      proto: this.options.kind,
      ip: this.connection.remoteAddress,
      port: this.connection.remotePort,
    });
    try {
      // POP3S: the listener has done the handshake.
      if (this.connection.tls !== null) this.log.info("pop3.tls", { ...this.connection.tls });
      this.#send({ text: `${this.options.hostname} Pillarbox POP3 ready` });
      while (!this.#isClosing) {
        const read = await this.connection.readLine(MAX_SASL_LINE_OCTETS + 2);
        if (read.kind === "eof") break;
        if (read.kind === "timeout") {
          this.#sendError(this.#timeoutError());
          break;
        }
        await this.#handleLine(read.kind === "line" ? read.text : null);
      }
      this.connection.flush();
    } finally {
      this.endMaildrop();
      this.log.info("pop3.disconnect", { errors: this.#errors, retrieved: this.retrieved });
    }
  }

  /**
   * The -ERR for a read that ended in "timeout": the server stopping or the
   * client idle too long. Every read in the session asks here.
   */
  #timeoutError(): Pop3Error {
    const text = this.connection.isShuttingDown
      ? "[SYS/TEMP] Server shutting down"
      : "Idle timeout, closing connection";
    return new Pop3Error(text, { closeAfter: true });
  }

  /** Reads one more line for a SASL exchange (after a `+ ` challenge); null at EOF. */
  async readAuthLine(): Promise<string | null> {
    this.connection.flush();
    const read = await this.connection.readLine(MAX_SASL_LINE_OCTETS + 2);
    if (read.kind === "too-long") throw new Pop3Error("Line too long");
    if (read.kind === "timeout") throw this.#timeoutError();
    return read.kind === "line" ? read.text : null;
  }

  /** Sends a continuation (`+ challenge`) now. */
  sendContinuation(challenge: string): void {
    this.connection.write(`+ ${challenge}\r\n`);
    this.connection.flush();
  }

  /** Drops the mailbox lease and reference (at QUIT after UPDATE, or when the session ends). */
  endMaildrop(): void {
    const maildrop = this.maildrop;
    if (maildrop === null) return;
    this.maildrop = null;
    maildrop.releaseLease();
    maildrop.mailbox.release();
  }

  async #handleLine(text: string | null): Promise<void> {
    let reply: Pop3Reply;
    try {
      if (text === null || text.length + 2 > MAX_SASL_LINE_OCTETS) {
        throw new Pop3Error("Line too long");
      }
      const space = text.indexOf(" ");
      const verb = (space < 0 ? text : text.slice(0, space)).toUpperCase();
      const arg = space < 0 ? "" : text.slice(space + 1);
      if (text.length + 2 > MAX_COMMAND_LINE_OCTETS && verb !== "AUTH") {
        throw new Pop3Error("Line too long");
      }
      if (/[\x00\r]/.test(text)) throw new Pop3Error("Control characters in command");
      this.log.debug("pop3.command", { verb: /^[A-Z]{1,8}$/.test(verb) ? verb : "?" });
      const command = COMMANDS.get(verb);
      if (command === undefined) {
        throw new Pop3Error(
          /^[A-Z]{1,8}$/.test(verb) ? `Unknown command ${verb}` : "Unknown command",
        );
      }
      if (!command.allowedIn.includes(this.state)) {
        throw new Pop3Error(`${verb} is not valid in the ${this.state.toUpperCase()} state`);
      }
      await refuseRevokedLogin(this);
      reply = await command.handle(this, arg);
    } catch (error) {
      this.#sendError(error);
      return;
    }
    if (reply.stream !== undefined) {
      if (!await this.#sendStream(reply, reply.stream)) this.#isClosing = true;
    } else if (reply.body === undefined) this.#send(reply);
    else if (!await this.#sendLarge(reply)) this.#isClosing = true;
    if (reply.after === "stls" && !(await this.#startTls())) this.#isClosing = true;
  }

  async #startTls(): Promise<boolean> {
    const tls = this.options.tls;
    if (tls === null) return false;
    if (this.connection.hasBufferedInput()) {
      this.log.warn("pop3.tls_plaintext_discarded", { ip: this.connection.remoteAddress });
    }
    const isUp = await this.connection.startServerTls(tls.context);
    if (!isUp) {
      this.log.info("pop3.tls_failed", {
        ip: this.connection.remoteAddress,
        reason: this.connection.tlsFailure ?? "unknown",
      });
      return false;
    }
    this.pendingUser = null;
    this.log.info("pop3.tls", { ...this.connection.tls });
    return true;
  }

  /** The one place where replies become bytes (`#sendLarge` for those with a body). */
  #send(reply: Pop3Reply): void {
    for (const chunk of formatPop3Reply(reply)) this.connection.write(chunk);
    if (reply.closeAfter) this.#isClosing = true;
  }

  /**
   * A reply with a message body (RETR, TOP): the same bytes as `#send`, but
   * the body goes out in slices as the client takes them, so a slow reader
   * never makes us queue a whole message. False once the client is gone.
   */
  async #sendLarge(reply: Pop3Reply): Promise<boolean> {
    for (const chunk of formatPop3Reply(reply)) {
      if (typeof chunk === "string") this.connection.write(chunk);
      else if (!await this.connection.writeLarge(chunk)) return false;
    }
    if (reply.closeAfter) this.#isClosing = true;
    return true;
  }

  /**
   * A reply whose body is read as it is sent (`Pop3Reply.stream`): the
   * status line goes with its first bytes. A failure before them is sent as
   * a refusal; after them the reply cannot be finished, and false closes the
   * session.
   */
  async #sendStream(reply: Pop3Reply, stream: NonNullable<Pop3Reply["stream"]>) {
    let isStarted = false;
    const start = () => {
      if (!isStarted) this.connection.write(formatPop3Reply({ text: reply.text })[0]!);
      isStarted = true;
    };
    try {
      const isWhole = await stream((bytes) => {
        start();
        return this.connection.writeLarge(bytes);
      });
      if (!isWhole) return false;
    } catch (error) {
      if (isStarted) {
        this.log.error("pop3.internal_error", { error: errorText(error) });
        return false;
      }
      this.#sendError(error);
      return true;
    }
    start();
    this.connection.write(DOT_LINE);
    return true;
  }

  /** The one place where refusals become bytes. */
  #sendError(error: unknown): void {
    let refusal: Pop3Error;
    if (error instanceof Pop3Error) refusal = error;
    else {
      this.log.error("pop3.internal_error", {
        error: errorText(error),
      });
      refusal = new Pop3Error(`Local error, try again later (${this.cid})`, {
        code: "SYS/TEMP",
        isClientFault: false,
      });
    }
    if (refusal.isClientFault && ++this.#errors >= (this.options.maxErrors ?? DEFAULT_MAX_ERRORS)) {
      this.log.warn("pop3.too_many_errors", { ip: this.connection.remoteAddress });
      refusal = new Pop3Error("Too many errors, closing connection", { closeAfter: true });
    }
    this.connection.write(refusal.line + "\r\n");
    if (refusal.closeAfter) this.#isClosing = true;
  }
}
