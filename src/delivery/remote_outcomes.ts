/**
 * How the SMTP side's replies and failures become delivery outcomes: a
 * recipient's reply, a whole transaction's failure, and the two kinds of
 * deferral the courier answers at once (a stale pooled connection, a
 * recipient count over the server's limit).
 */
import {
  describeReply,
  FINAL_DOT_STAGE,
  type RecipientResult,
  SmtpClientError,
} from "../smtp_client/mod.ts";
import type { DeliveryOutcome } from "./outcome.ts";

/** A whole-transaction failure as an outcome. */
export function failureOutcome(error: unknown, remoteMta: string | null): DeliveryOutcome {
  if (error instanceof SmtpClientError) {
    // A session that could not be opened names the server that refused it, if one did.
    const from = remoteMta ?? error.remoteMta;
    return {
      kind: error.isPermanent ? "permanent" : "transient",
      reason: error.message,
      status: error.status,
      ...(from ? { remoteMta: from } : {}),
    };
  }
  const reason = error instanceof Error ? error.message : String(error);
  const where = remoteMta ? { remoteMta } : {};
  return { kind: "transient", reason: `Delivery failed: ${reason}`, status: "4.0.0", ...where };
}

/**
 * Whether a failure on a reused connection says only that the server is done
 * with that connection, not with the message: it closed it quietly (but not
 * after the final dot: the message may have been taken then, RFC 5321 6.1,
 * and waits for its next retry, so an attempt sends at most one copy), or it
 * answered the transaction's first command with 421 (RFC 5321 3.8: a server
 * that limits messages per connection, or timed out the idle one), or with
 * another 4xx while keeping the session (OpenSMTPD's "452 4.5.3 Too many
 * messages sent" once a session has carried its max-mails, 100 by default:
 * every later MAIL on it gets the same). Nothing of this message was taken,
 * so a fresh connection may carry it at once; a server that wants the message
 * to wait says so there too, and it waits.
 */
export function isStaleConnection(error: unknown): boolean {
  if (!(error instanceof SmtpClientError)) return false;
  if (error.kind === "dropped") return error.stage !== FINAL_DOT_STAGE;
  const code = error.reply?.code ?? 0;
  return error.kind === "reply" && error.stage === "MAIL" && code >= 400 && code < 500;
}

/**
 * A smarthost's 530 (RFC 4954 6: authentication required) to MAIL, RCPT or
 * DATA says our configuration lacks the login it wants, not that the mail is
 * bad: the mail waits for the operator (as after a refused login) instead of
 * bouncing. Other outcomes pass unchanged.
 */
export function asLoginWanted(outcome: DeliveryOutcome): DeliveryOutcome {
  if (outcome.kind !== "permanent" || !/^530(?![0-9])/.test(outcome.reason)) return outcome;
  return {
    ...outcome,
    kind: "transient",
    reason: `${outcome.reason} (the smarthost wants a login: check --smarthost-user and ` +
      "--smarthost-password-file)",
    status: outcome.status.replace(/^5\./, "4."),
  };
}

/** A RCPT deferred for the transaction's recipient count (452, or 552 of old; 4.5.3). */
export function isTooManyRecipients(outcome: DeliveryOutcome): boolean {
  return outcome.kind === "transient" &&
    (outcome.status === "4.5.3" || /^[45]52 .*too many recipients/i.test(outcome.reason));
}

/** One recipient's result in a transaction as its outcome. */
export function resultOutcome(result: RecipientResult, remoteMta: string): DeliveryOutcome {
  if (result.isAccepted) return { kind: "delivered", remoteMta };
  return {
    kind: result.isPermanent ? "permanent" : "transient",
    reason: describeReply(result.reply),
    status: statusOf(result),
    remoteMta,
  };
}

/**
 * A refusal's enhanced status, of the class its outcome has: a 552 to RCPT is
 * deferred, so its "5.5.3" is reported as "4.5.3" (RFC 3464 2.3.4: a delayed
 * recipient's status is 4.x.x).
 */
function statusOf(result: RecipientResult): string {
  const enhanced = result.reply.enhanced;
  if (!enhanced) return result.isPermanent ? "5.0.0" : "4.0.0";
  return result.isPermanent ? enhanced : enhanced.replace(/^5\./, "4.");
}
