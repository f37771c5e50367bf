/** A raw TCP client for hostile-input tests: send exact bytes, read replies. */

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** No complete line arrived in time (the connection is closed then). */
export class LineTimeout extends Error {
  constructor(timeoutMs: number) {
    super(`no line within ${timeoutMs} ms`);
  }
}

/** A connection that reads complete SMTP/POP3/IMAP lines. */
export class RawClient {
  #conn: Deno.Conn;
  /** The plain connection, until TLS starts. */
  #tcp: Deno.TcpConn | null;
  #buffer = "";

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    this.#tcp = conn;
  }

  static async connect(port: number): Promise<RawClient> {
    return new RawClient(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  /** Sends bytes exactly as given. */
  async send(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    let offset = 0;
    while (offset < bytes.length) offset += await this.#conn.write(bytes.subarray(offset));
  }

  /**
   * Reads one line (without CRLF); null at EOF. Throws `LineTimeout` (and
   * closes the connection) when nothing ends a line within `timeoutMs`: a
   * silent server is not a closed one.
   */
  async line(timeoutMs = 10_000): Promise<string | null> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#buffer.includes("\n")) {
      const chunk = new Uint8Array(65536);
      let isTimedOut = false;
      const timer = setTimeout(() => {
        isTimedOut = true;
        this.#conn.close();
      }, Math.max(1, deadline - Date.now()));
      let n: number | null;
      try {
        n = await this.#conn.read(chunk);
      } catch {
        n = null;
      } finally {
        clearTimeout(timer);
      }
      if (isTimedOut) throw new LineTimeout(timeoutMs);
      if (n === null) {
        if (this.#buffer === "") return null;
        const rest = this.#buffer;
        this.#buffer = "";
        return rest;
      }
      this.#buffer += decoder.decode(chunk.subarray(0, n));
    }
    const at = this.#buffer.indexOf("\n");
    const line = this.#buffer.slice(0, at).replace(/\r$/, "");
    this.#buffer = this.#buffer.slice(at + 1);
    return line;
  }

  /** Reads a whole SMTP reply (all continuation lines); returns its lines. */
  async reply(timeoutMs = 10_000): Promise<string[]> {
    const lines: string[] = [];
    while (true) {
      const line = await this.line(timeoutMs);
      if (line === null) {
        if (lines.length === 0) throw new Error("connection closed before a reply");
        return lines;
      }
      lines.push(line);
      if (!/^\d{3}-/.test(line)) return lines;
    }
  }

  /** Sends a command and returns the last line of its reply. */
  async command(line: string): Promise<string> {
    await this.send(line + "\r\n");
    const lines = await this.reply();
    return lines[lines.length - 1] as string;
  }

  /**
   * True if the server closed the connection (reads EOF) within `timeoutMs`;
   * false if it sent a line instead, or nothing at all.
   */
  async isClosed(timeoutMs = 10_000): Promise<boolean> {
    try {
      return (await this.line(timeoutMs)) === null;
    } catch (error) {
      if (error instanceof LineTimeout) return false;
      throw error;
    }
  }

  /**
   * Upgrades the connection to TLS after a STARTTLS/STLS go-ahead, trusting
   * `caCert` (PEM text) for "localhost". Nothing may be buffered unread then.
   */
  async startTls(caCert: string): Promise<void> {
    if (this.#tcp === null || this.#buffer !== "") throw new Error("cannot start TLS now");
    const secure = await Deno.startTls(this.#tcp, { hostname: "localhost", caCerts: [caCert] });
    await secure.handshake();
    this.#conn = secure;
    this.#tcp = null;
  }

  close(): void {
    try {
      this.#conn.close();
    } catch { /* already closed */ }
  }
}
