/**
 * POP3 replies as values: a `+OK` status line, optionally followed by a
 * multi-line body (text lines or message bytes), dot-stuffed and ended by
 * "." here, in one place.
 */
import { dotStuff } from "../mail/mod.ts";

/** A positive reply. `after` asks the session to do something once it is sent. */
export interface Pop3Reply {
  text: string;
  /** Multi-line body as text lines (CAPA, LIST, UIDL). */
  lines?: readonly string[];
  /** Multi-line body as stored message bytes (RETR, TOP). */
  body?: Uint8Array;
  /**
   * Multi-line body sent as it is read (RETR), already dot-stuffed: the
   * status line goes out with the first bytes `send` is given, so a reply
   * that throws before that is sent as an error instead. `send` and the
   * result are false once the client is gone.
   */
  stream?: (send: (bytes: Uint8Array) => Promise<boolean>) => Promise<boolean>;
  closeAfter?: boolean;
  /** "stls": start TLS right after the reply is out. */
  after?: "stls";
}

const encoder = new TextEncoder();
/** What ends a multi-line reply. */
export const DOT_LINE = encoder.encode(".\r\n");

/** Shorthand for a single-line `+OK`. */
export function ok(text: string, options: Omit<Pop3Reply, "text"> = {}): Pop3Reply {
  return { text, ...options };
}

/** The wire bytes of `reply`, as the chunks to write in order. */
export function formatPop3Reply(reply: Pop3Reply): (string | Uint8Array)[] {
  const status = reply.text === "" ? "+OK\r\n" : `+OK ${reply.text}\r\n`;
  if (reply.lines !== undefined) {
    const lines = reply.lines.map((line) => (line.startsWith(".") ? "." : "") + line + "\r\n");
    return [status + lines.join("") + ".\r\n"];
  }
  if (reply.body !== undefined) return [status, dotStuff(reply.body), DOT_LINE];
  return [status];
}
