/** Delivery outcomes are data, never guessed from message text. */

/** What happened to one recipient on one attempt. */
export type DeliveryOutcome =
  | { kind: "delivered"; remoteMta?: string }
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
}

/** The same outcome for every recipient. */
export function sameOutcome(
  rcpts: readonly string[],
  outcome: DeliveryOutcome,
): Map<string, DeliveryOutcome> {
  return new Map(rcpts.map((rcpt) => [rcpt, outcome]));
}
