/**
 * Why a conversation with a remote server ended early, as data. Every way a
 * peer can misbehave (refusing the connection, timing out, dropping the line,
 * talking nonsense, answering 4xx/5xx outside a recipient) becomes one of
 * these; nothing the peer does makes the client throw anything else.
 */
import { describeReply, type ServerReply } from "./reply_parser.ts";

/** What went wrong. */
export type ClientFailureKind =
  | "connect" // TCP connect refused, unreachable or timed out
  | "tls" // the TLS handshake failed (or a verified certificate did not check out)
  | "timeout" // no reply within the RFC 5321 4.5.3.2 limit for that stage
  | "dropped" // the server closed the connection
  | "malformed" // a reply that does not follow the grammar
  | "reply" // a 4xx/5xx reply that ends the attempt (greeting, EHLO, MAIL, DATA, ...)
  | "refused"; // we refused before sending (SIZE, SMTPUTF8, no usable AUTH)

/** A failed attempt; `isPermanent` says whether retrying could help. */
export class SmtpClientError extends Error {
  readonly kind: ClientFailureKind;
  /** The enhanced status code for DSNs ("4.4.1", "5.3.4", ...). */
  readonly status: string;
  readonly isPermanent: boolean;
  readonly reply?: ServerReply;
  /** The step it happened at, when a reply was awaited ("MAIL", "final dot", ...). */
  readonly stage?: string;
  /**
   * Recipients the server had already refused when the transaction ended
   * (a 421 or a hang-up after some RCPTs), each with its own reply: the
   * failure is not theirs to share.
   */
  readonly refusedRcpts: ReadonlyMap<string, ServerReply>;
  /**
   * The server the failure came from once a connection was open ("host [ip]"),
   * for the DSN's Remote-MTA; absent when no server was reached.
   */
  readonly remoteMta?: string;

  constructor(
    kind: ClientFailureKind,
    message: string,
    options: {
      status: string;
      isPermanent?: boolean;
      reply?: ServerReply;
      stage?: string;
      refusedRcpts?: ReadonlyMap<string, ServerReply>;
      remoteMta?: string;
    },
  ) {
    super(message);
    this.name = "SmtpClientError";
    this.kind = kind;
    this.status = options.status;
    this.isPermanent = options.isPermanent ?? false;
    this.reply = options.reply;
    this.stage = options.stage;
    this.refusedRcpts = options.refusedRcpts ?? new Map();
    this.remoteMta = options.remoteMta;
  }

  /** This failure, as one that came from the server `remoteMta`. */
  withRemoteMta(remoteMta: string): SmtpClientError {
    return new SmtpClientError(this.kind, this.message, { ...this.#fields(), remoteMta });
  }

  #fields() {
    return {
      status: this.status,
      isPermanent: this.isPermanent,
      reply: this.reply,
      stage: this.stage,
      refusedRcpts: this.refusedRcpts,
      remoteMta: this.remoteMta,
    };
  }

  /** This failure, with the recipients the server had refused before it. */
  withRefusedRcpts(refusedRcpts: ReadonlyMap<string, ServerReply>): SmtpClientError {
    return new SmtpClientError(this.kind, this.message, { ...this.#fields(), refusedRcpts });
  }

  /**
   * A failure built from an unwanted reply: 5xx permanent, anything else
   * transient. The message starts with the reply itself, so a DSN gives it
   * as the server's words (`Diagnostic-Code: smtp; ...`, RFC 3464 2.3.6),
   * and names the stage after it.
   */
  static fromReply(
    stage: string,
    reply: ServerReply,
    options: { refusedRcpts?: ReadonlyMap<string, ServerReply> } = {},
  ): SmtpClientError {
    const isPermanent = reply.code >= 500;
    const status = reply.enhanced ?? (isPermanent ? "5.0.0" : "4.0.0");
    return new SmtpClientError("reply", `${describeReply(reply)} (in reply to ${stage})`, {
      status,
      isPermanent,
      reply,
      stage,
      refusedRcpts: options.refusedRcpts,
    });
  }
}
