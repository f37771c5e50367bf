/**
 * Immediate local delivery: while the client waits for its 250, local
 * recipients are written straight into their Maildirs (tmp, fsync, link
 * into new/, fsync), so a local message costs one durable write instead of
 * a queue write plus a mailbox write. Anything that fails here simply stays
 * for the queue, which tries again later.
 *
 * Only a message whose every recipient is a local account is delivered here.
 * With others, the queue write that follows could still fail, and the
 * client, told 451, would send the message again: the local recipients
 * would get it twice. Such a message goes to the queue whole (still one
 * durable write before the 250).
 */
import type { Logger } from "../log/mod.ts";
import type { MaildirStore } from "../mailbox/mod.ts";
import { asksForSuccess, type Envelope, type ImmediateDelivery } from "../spool/mod.ts";

const encoder = new TextEncoder();

/** Builds the hook `Spool.setImmediateDelivery` takes. */
export function immediateLocalDelivery(options: {
  maildir: MaildirStore;
  isLocalDomain: (domain: string) => boolean;
  /** Local recipients without an account are left to the queue (which bounces them). */
  hasAccount: (address: string) => Promise<boolean>;
  log: Logger;
}): ImmediateDelivery {
  return async (envelope: Envelope, chunks: readonly Uint8Array[], accepted: () => void) => {
    const local = envelope.rcpts;
    if (local.length === 0) return [];
    // A success notice (or an alias's "expanded") goes with a delivery the queue records.
    if ((envelope.rcptDsn || envelope.expanded) && asksForSuccess(envelope)) return [];
    for (const rcpt of local) {
      const domain = rcpt.slice(rcpt.lastIndexOf("@") + 1).toLowerCase();
      if (!options.isLocalDomain(domain) || !await options.hasAccount(rcpt)) return [];
    }
    const returnPath = encoder.encode(`Return-Path: <${envelope.from}>\r\n`);
    try {
      await options.maildir.deliver(local, [returnPath, ...chunks]);
    } catch (error) {
      options.log.warn("msg.immediate_failed", {
        qid: envelope.qid,
        error: error instanceof Error ? error.message : String(error),
      });
      return [];
    }
    accepted();
    for (const rcpt of local) {
      options.log.info("msg.delivered", { qid: envelope.qid, rcpt, relay: "local" });
    }
    return local;
  };
}
