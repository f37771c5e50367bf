/**
 * An IMAP client for grammar tests: reads the server's bytes exactly
 * (literals by their counts, lines by CRLF alone) and parses every response
 * with the strict checker of tests/imap/grammar, failing on the first one
 * that does not match RFC 3501's formal syntax.
 */
import {
  GrammarError,
  parseGreeting,
  parseResponse,
  type Response,
} from "../imap/grammar/responses.ts";

import { Buffer } from "node:buffer";

/** Bytes as a binary string, one char per byte (TextDecoder's "latin1" is windows-1252). */
const latin1 = {
  decode: (bytes: Uint8Array) =>
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1"),
};

/** A response as parsed (or "invalid", with the violation), with its exact bytes (binary string). */
export interface Checked {
  response: Response | { kind: "invalid"; violation: string };
  wire: string;
}

/** A logged-in or fresh connection whose every response is checked. */
export class StrictImapClient {
  #conn: Deno.Conn;
  #buffer = new Uint8Array(0);
  /** Every response so far, for tests that look back. */
  readonly transcript: Checked[] = [];
  /** Each response that broke the grammar, with where and how; tests assert it stays empty. */
  readonly violations: string[] = [];

  private constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  /** Connects and checks the greeting. */
  static async connect(port: number): Promise<{ client: StrictImapClient; greeting: Response }> {
    const client = new StrictImapClient(await Deno.connect({ hostname: "127.0.0.1", port }));
    const wire = await client.#readResponse();
    const greeting = client.#check(wire, parseGreeting).response;
    if (greeting.kind === "invalid") throw new Error(greeting.violation);
    return { client, greeting };
  }

  /** Sends bytes as they are (a binary string is sent one byte per char). */
  async send(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === "string" ? binaryBytes(data) : data;
    let offset = 0;
    while (offset < bytes.length) offset += await this.#conn.write(bytes.subarray(offset));
  }

  /** Reads and checks one response (a violation is recorded, and reading goes on). */
  async next(): Promise<Checked> {
    return this.#check(await this.#readResponse(), parseResponse);
  }

  /** Sends `tag line` CRLF and returns the checked responses up to the tagged one. */
  async command(tag: string, line: string): Promise<Checked[]> {
    await this.send(`${tag} ${line}\r\n`);
    return await this.untilTagged(tag);
  }

  /** Checked responses up to and including the one tagged `tag`. */
  async untilTagged(tag: string): Promise<Checked[]> {
    const got: Checked[] = [];
    while (true) {
      const checked = await this.next();
      got.push(checked);
      if (checked.response.kind === "tagged" && checked.response.tag !== tag) {
        throw new Error(`tagged ${checked.response.tag} while waiting for ${tag}`);
      }
      if (checked.response.kind === "tagged" || checked.wire.startsWith(tag + " ")) return got;
    }
  }

  close(): void {
    try {
      this.#conn.close();
    } catch { /* already closed */ }
  }

  #check(wire: string, parse: (wire: string) => Response): Checked {
    let checked: Checked;
    try {
      checked = { response: parse(wire), wire };
    } catch (error) {
      if (!(error instanceof GrammarError)) throw error;
      const violation = `${error.message}\n  in ${JSON.stringify(wire.slice(0, 2000))}`;
      this.violations.push(violation);
      checked = { response: { kind: "invalid", violation }, wire };
    }
    this.transcript.push(checked);
    return checked;
  }

  /**
   * One response: a line up to CRLF; when it ends in "{n}", the n octets of
   * the literal and the rest of the response after them.
   */
  async #readResponse(): Promise<string> {
    let wire = "";
    while (true) {
      const line = await this.#readLine();
      wire += line;
      const match = /\{([0-9]+)\}\r\n$/.exec(line);
      if (match === null) return wire;
      wire += latin1.decode(await this.#readExactly(Number(match[1])));
    }
  }

  async #readLine(): Promise<string> {
    while (true) {
      const crlf = findCrlf(this.#buffer);
      if (crlf >= 0) return latin1.decode(this.#take(crlf + 2));
      await this.#fill();
    }
  }

  async #readExactly(count: number): Promise<Uint8Array> {
    while (this.#buffer.length < count) await this.#fill();
    return this.#take(count);
  }

  #take(count: number): Uint8Array {
    const taken = this.#buffer.slice(0, count);
    this.#buffer = this.#buffer.slice(count);
    return taken;
  }

  async #fill(): Promise<void> {
    const chunk = new Uint8Array(65536);
    const timer = setTimeout(() => this.close(), 15_000);
    let n: number | null;
    try {
      n = await this.#conn.read(chunk);
    } finally {
      clearTimeout(timer);
    }
    if (n === null) {
      throw new Error(`connection closed; unread ${JSON.stringify(latin1.decode(this.#buffer))}`);
    }
    const grown = new Uint8Array(this.#buffer.length + n);
    grown.set(this.#buffer);
    grown.set(chunk.subarray(0, n), this.#buffer.length);
    this.#buffer = grown;
  }
}

function findCrlf(bytes: Uint8Array): number {
  for (let i = bytes.indexOf(13); i >= 0 && i < bytes.length - 1; i = bytes.indexOf(13, i + 1)) {
    if (bytes[i + 1] === 10) return i;
  }
  return -1;
}

/** A binary string (or plain text) as bytes: UTF-8 when any char is past 0xFF. */
export function binaryBytes(text: string): Uint8Array {
  if (/[^\x00-\xff]/.test(text)) return new TextEncoder().encode(text);
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}
