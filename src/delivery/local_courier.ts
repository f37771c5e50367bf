/**
 * Delivers to local accounts: adds Return-Path (RFC 5321 4.4) in front of
 * the queued message and writes it once into every recipient's Maildir.
 */
import type { MaildirStore } from "../mailbox/mod.ts";
import type { QueuedMessage } from "../spool/mod.ts";
import { type Courier, type DeliveryOutcome, sameOutcome } from "./outcome.ts";

const encoder = new TextEncoder();

/** The Maildir side of delivery. */
export class LocalCourier implements Courier {
  readonly #maildir: MaildirStore;

  constructor(options: { maildir: MaildirStore }) {
    this.#maildir = options.maildir;
  }

  async deliver(
    message: QueuedMessage,
    rcpts: readonly string[],
  ): Promise<Map<string, DeliveryOutcome>> {
    const returnPath = encoder.encode(`Return-Path: <${message.envelope.from}>\r\n`);
    const body = message.bytes.subarray(message.messageOffset);
    try {
      await this.#maildir.deliver(rcpts, [returnPath, body]);
      return sameOutcome(rcpts, { kind: "delivered" });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return sameOutcome(rcpts, {
        kind: "transient",
        reason: `Mailbox write failed: ${reason}`,
        status: "4.2.0",
      });
    }
  }
}
