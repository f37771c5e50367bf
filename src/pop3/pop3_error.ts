/**
 * A refusal on the POP3 wire. Handlers throw it; the session turns it into
 * `-ERR [CODE] text` in exactly one place. Response codes are RFC 2449's
 * IN-USE and LOGIN-DELAY and RFC 3206's SYS/TEMP, SYS/PERM and AUTH.
 */

/** The extended response codes Pillarbox sends. */
export type Pop3ResponseCode = "IN-USE" | "LOGIN-DELAY" | "SYS/TEMP" | "SYS/PERM" | "AUTH";

/** A `-ERR` reply as an exception. */
export class Pop3Error extends Error {
  readonly code: Pop3ResponseCode | null;
  readonly closeAfter: boolean;
  /** Counts towards the session's error limit (the client's fault, not the server's). */
  readonly isClientFault: boolean;

  constructor(
    text: string,
    options: { code?: Pop3ResponseCode; closeAfter?: boolean; isClientFault?: boolean } = {},
  ) {
    super(text);
    this.name = "Pop3Error";
    this.code = options.code ?? null;
    this.closeAfter = options.closeAfter ?? false;
    this.isClientFault = options.isClientFault ?? true;
  }

  /** The status line without CRLF: `-ERR [IN-USE] Mailbox busy`. */
  get line(): string {
    return this.code === null ? `-ERR ${this.message}` : `-ERR [${this.code}] ${this.message}`;
  }
}
