/**
 * When a next hop's other addresses get the recipients one deferred, in the
 * same attempt. RFC 5321 5.1: the client "MUST be able to try (and retry)
 * each of the relevant addresses in this list in order, until a delivery
 * attempt succeeds". A session that opened but did not take the message (a
 * 421 or 4xx to MAIL, a 4xx to RCPT, DATA or the final dot, a hang-up or a
 * silence before the message was all sent) is such a failed attempt: the next
 * MX gets those recipients now, as Postfix does, instead of at the next retry
 * (hours later, for a primary MX that refuses for a while). Never again:
 * a permanent refusal (a backup MX must not turn it into another try), a
 * recipient delivered, or a failure after the final dot (the message may have
 * been taken: RFC 5321 6.1, one copy per attempt at most).
 */
import { FINAL_DOT_STAGE, type RecipientResult, SmtpClientError } from "../smtp_client/mod.ts";
import type { Target } from "./next_hop.ts";

/** Whether a failure that ended a transaction leaves its deferred recipients to the next address. */
export function isWorthNextTarget(error: unknown): boolean {
  if (!(error instanceof SmtpClientError) || error.isPermanent) return false;
  if (error.kind === "reply") return true;
  const isCutShort = error.kind === "dropped" || error.kind === "timeout" ||
    error.kind === "malformed";
  return isCutShort && error.stage !== undefined && error.stage !== FINAL_DOT_STAGE;
}

/** Whether one recipient's result in a completed transaction goes to the next address. */
export function isResultWorthNextTarget(result: RecipientResult): boolean {
  if (result.isAccepted || result.isPermanent) return false;
  // Too many recipients (452, or 552 of old): the same host takes them in the next transaction.
  // A 552 deferred is RCPT's "too many recipients" of old (see isPermanentRefusal).
  const reply = result.reply;
  const isTooMany = reply.code === 552 || reply.enhanced === "4.5.3" ||
    /too many recipients/i.test(reply.lines.join(" "));
  return !isTooMany;
}

/** Where `current` is in `targets` (-1: not among them, e.g. a pooled connection from older DNS). */
export function targetIndex(targets: readonly Target[], current: Target): number {
  return targets.findIndex((target) =>
    target.address === current.address && target.port === current.port &&
    target.name === current.name
  );
}
