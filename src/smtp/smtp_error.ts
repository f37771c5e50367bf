import { type Reply, reply } from "./reply.ts";

/**
 * A refusal on the SMTP wire. Handlers throw it; the session turns it into
 * bytes in exactly one place. `isClientFault` tells the session whether it
 * counts towards the "too many errors" limit.
 */
export class SmtpError extends Error {
  readonly code: number;
  readonly enhanced: string;
  readonly closeAfter: boolean;
  readonly isClientFault: boolean;

  constructor(
    code: number,
    enhanced: string,
    text: string,
    options: { closeAfter?: boolean; isClientFault?: boolean } = {},
  ) {
    super(text);
    this.name = "SmtpError";
    this.code = code;
    this.enhanced = enhanced;
    this.closeAfter = options.closeAfter ?? false;
    this.isClientFault = options.isClientFault ?? (code >= 500 && code < 600);
  }

  /** The reply this error puts on the wire. */
  toReply(): Reply {
    return reply(this.code, this.enhanced, this.message, { closeAfter: this.closeAfter });
  }
}
