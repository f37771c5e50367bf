/**
 * IMAP refusals as typed errors. A handler throws one; the session turns it
 * into a tagged `NO` or `BAD` (or an untagged `BYE` and a close) in one place.
 */

/** The status of a refusal on the wire. */
export type ImapStatus = "NO" | "BAD" | "BYE";

/** A refusal with its wire status, optional response code and text. */
export class ImapError extends Error {
  readonly status: ImapStatus;
  /** Response code without brackets, e.g. "TRYCREATE" or "TOOBIG". */
  readonly code: string | null;

  constructor(status: ImapStatus, text: string, options: { code?: string } = {}) {
    super(text);
    this.name = "ImapError";
    this.status = status;
    this.code = options.code ?? null;
  }

  /**
   * `tag NO [CODE] text` (or `* BYE ...` for BYE). The text may quote what the
   * client sent (a literal can hold CRLF), so anything but printable ASCII
   * becomes "?": resp-text is TEXT-CHARs (RFC 3501 9), and a quoted CRLF
   * would let a value forge a response line of its own.
   */
  format(tag: string): string {
    const code = this.code === null ? "" : `[${this.code}] `;
    const head = this.status === "BYE" ? "*" : tag;
    return `${head} ${this.status} ${code}${this.message.replace(/[^\x20-\x7e]/g, "?")}\r\n`;
  }
}

/** The client sent something we cannot parse or that is out of place. */
export function bad(text: string, code?: string): ImapError {
  return new ImapError("BAD", text, { code });
}

/** The command was understood but cannot be carried out. */
export function no(text: string, code?: string): ImapError {
  return new ImapError("NO", text, { code });
}
