/**
 * Delivers to local accounts: adds Return-Path (RFC 5321 4.4) in front of
 * the queued message and writes it once into every recipient's Maildir.
 * A recipient that is no longer an account at delivery time (deleted after
 * the message was accepted, or named by a local program) fails permanently
 * with 5.1.1, as our SMTP server would have said at RCPT.
 */
import type { MaildirStore } from "../mailbox/mod.ts";
import type { QueuedMessage } from "../spool/mod.ts";
import { type Courier, type DeliveryOutcome, sameOutcome } from "./outcome.ts";

const encoder = new TextEncoder();

/** Options for {@link LocalCourier}. */
export interface LocalCourierOptions {
  maildir: MaildirStore;
  /** Whether `address` is an existing account now; every recipient is when not given. */
  hasAccount?: (address: string) => Promise<boolean>;
  /**
   * Whether the accounts and aliases in use are older than their files (a changed file that
   * could not be read): then "no account" is no final answer, and the recipient waits.
   */
  isDirectoryStale?: () => boolean;
}

/** The Maildir side of delivery. */
export class LocalCourier implements Courier {
  readonly #options: LocalCourierOptions;

  constructor(options: LocalCourierOptions) {
    this.#options = options;
  }

  async deliver(
    message: QueuedMessage,
    rcpts: readonly string[],
  ): Promise<Map<string, DeliveryOutcome>> {
    const outcomes = new Map<string, DeliveryOutcome>();
    const accounts: string[] = [];
    for (const rcpt of rcpts) {
      if (!this.#options.hasAccount || await this.#options.hasAccount(rcpt)) {
        accounts.push(rcpt);
        continue;
      }
      if (this.#options.isDirectoryStale?.()) {
        outcomes.set(rcpt, {
          kind: "transient",
          reason: `No account <${rcpt}> in the accounts and aliases in use; their files ` +
            "changed and could not be read",
          status: "4.3.0",
        });
        continue;
      }
      outcomes.set(rcpt, {
        kind: "permanent",
        reason: `550 5.1.1 No such mailbox here: <${rcpt}>`,
        status: "5.1.1",
      });
    }
    if (accounts.length === 0) return outcomes;
    const returnPath = encoder.encode(`Return-Path: <${message.envelope.from}>\r\n`);
    const body = message.bytes.subarray(message.messageOffset);
    try {
      await this.#options.maildir.deliver(accounts, [returnPath, body]);
      for (const [rcpt, outcome] of sameOutcome(accounts, { kind: "delivered" })) {
        outcomes.set(rcpt, outcome);
      }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      for (
        const [rcpt, outcome] of sameOutcome(accounts, {
          kind: "transient",
          reason: `Mailbox write failed: ${reason}`,
          status: "4.2.0",
        })
      ) outcomes.set(rcpt, outcome);
    }
    return outcomes;
  }
}
