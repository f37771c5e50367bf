/**
 * The DSN side of relaying (RFC 3461 5.2.1, 5.2.2): the requests a queued
 * message carries to the next hop, and what a delivery there means for a
 * success notice: none from us when the hop took the requests (it reports
 * itself), else "relayed", quoting the hop's reply.
 */
import type { QueuedMessage } from "../spool/mod.ts";
import { wantsNotice } from "../spool/mod.ts";
import { describeReply, type OutgoingMessage, type RecipientResult } from "../smtp_client/mod.ts";
import type { DeliveryOutcome } from "./outcome.ts";

/** The message to send to `rcpts`, with its DSN requests when it has any. */
export function outgoingMessage(message: QueuedMessage, rcpts: readonly string[]): OutgoingMessage {
  const { envelope } = message;
  const isAsked = envelope.ret !== undefined || envelope.envid !== undefined ||
    envelope.rcptDsn !== undefined;
  return {
    from: envelope.from,
    rcpts,
    body: message.bytes.subarray(message.messageOffset),
    isSmtputf8: envelope.isSmtputf8,
    ...(isAsked
      ? { dsn: { ret: envelope.ret, envid: envelope.envid, rcpts: envelope.rcptDsn } }
      : {}),
  };
}

/**
 * A delivered outcome for a recipient that asked for NOTIFY=SUCCESS, with
 * what its notice needs; any other outcome as it is.
 */
export function withSuccessFacts(
  outcome: DeliveryOutcome,
  context: { message: QueuedMessage; rcpt: string; result: RecipientResult; hasDsn: boolean },
): DeliveryOutcome {
  const { envelope } = context.message;
  if (outcome.kind !== "delivered" || !envelope.rcptDsn) return outcome;
  if (!wantsNotice(envelope, context.rcpt, "SUCCESS")) return outcome;
  if (context.hasDsn) return { ...outcome, isDsnPassedOn: true };
  return { ...outcome, reply: describeReply(context.result.reply) };
}
