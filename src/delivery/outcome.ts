/** Delivery outcomes are data, never guessed from message text. */
import type { Logger } from "../log/mod.ts";
import type { QueueState } from "./queue_state.ts";

/** What happened to one recipient on one attempt. */
export type DeliveryOutcome =
  | {
    kind: "delivered";
    remoteMta?: string;
    /** The next hop took the DSN parameters (RFC 3461 5.2.1): it reports success, not we. */
    isDsnPassedOn?: boolean;
    /** The next hop's reply that took the message. */
    reply?: string;
  }
  | { kind: "transient"; reason: string; status: string; remoteMta?: string }
  | { kind: "permanent"; reason: string; status: string; remoteMta?: string };

/** A way out of the server: local Maildir or a remote SMTP server. */
export interface Courier {
  /**
   * Attempts delivery of one queued message to `rcpts` (all of which this
   * courier handles) and reports an outcome per recipient.
   */
  deliver(
    message: import("../spool/mod.ts").QueuedMessage,
    rcpts: readonly string[],
  ): Promise<Map<string, DeliveryOutcome>>;
  /**
   * The destination whose turns mail for `domain` takes in the runner: what
   * the courier's connections are limited by (one host a route or smarthost
   * names for many domains is one destination). The domain when not given.
   */
  destinationOf?(domain: string): string;
  /** Forgets what makes it hold back (hops resting after a failure): `queue retry --all`. */
  wake?(): void;
}

/** The same outcome for every recipient. */
export function sameOutcome(
  rcpts: readonly string[],
  outcome: DeliveryOutcome,
): Map<string, DeliveryOutcome> {
  return new Map(rcpts.map((rcpt) => [rcpt, outcome]));
}

/** Writes one attempt's outcomes into `state` (attempts, status, reason) and logs each. */
export function recordOutcomes(
  state: QueueState,
  outcomes: Map<string, DeliveryOutcome>,
  context: { qid: string; log: Logger },
): void {
  const { qid, log } = context;
  for (const [rcpt, outcome] of outcomes) {
    const entry = state.rcpts[rcpt];
    if (!entry) continue;
    entry.attempts++;
    entry.lastAttemptMs = Date.now();
    entry.remoteMta = outcome.remoteMta;
    if (outcome.kind === "delivered") {
      entry.status = "delivered";
      if (outcome.isDsnPassedOn) entry.isDsnPassedOn = true;
      if (outcome.reply) entry.deliveredReply = outcome.reply;
      log.info("msg.delivered", { qid, rcpt, relay: outcome.remoteMta ?? "local" });
      continue;
    }
    entry.lastReason = outcome.reason;
    entry.lastStatus = outcome.status;
    if (outcome.kind === "permanent") entry.status = "failed";
    log.log(
      outcome.kind === "permanent" ? "info" : "warn",
      `msg.${outcome.kind === "permanent" ? "failed" : "deferred"}`,
      {
        qid,
        rcpt,
        status: outcome.status,
        reason: outcome.reason,
        attempts: entry.attempts,
      },
    );
  }
}
