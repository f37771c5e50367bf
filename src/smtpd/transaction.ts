import { normalizeAddress } from "../auth/mod.ts";
import type { LineEndingChecker } from "../smtp/mod.ts";
import type { MessageBuffer } from "../spool/mod.ts";

/**
 * One mail transaction: created by MAIL, dropped by RSET, HELO/EHLO or
 * after DATA. Everything about the current message lives here and nowhere
 * else, so nothing needs resetting by hand.
 */
export class Transaction {
  /** Envelope sender; "" for "<>". */
  readonly from: string;
  readonly is8bit: boolean;
  readonly isSmtputf8: boolean;
  /** Accepted RCPT count (what --max-recipients limits). */
  rcptCount = 0;
  /** True once any RCPT was tried, accepted or not (DATA: 554 "no valid recipients" vs 503). */
  hasRcptAttempt = false;
  /** Final delivery targets after alias expansion, deduplicated, in order. */
  readonly targets: string[] = [];
  readonly #seen = new Set<string>();
  /** The first accepted RCPT address (for the Received "for" clause). */
  firstRcpt: string | null = null;
  /**
   * True once any BDAT came in this transaction, taken or refused: recipients are
   * closed then (RFC 3030 2: MAIL and RCPT first, then the chunks), so a chunk
   * refused for want of a recipient cannot be left out of a message accepted later.
   */
  isChunking = false;
  /** BDAT in progress: the message so far and its line-ending check. */
  chunks: { buffer: MessageBuffer; checker: LineEndingChecker } | null = null;

  constructor(options: { from: string; is8bit: boolean; isSmtputf8: boolean }) {
    this.from = options.from;
    this.is8bit = options.is8bit;
    this.isSmtputf8 = options.isSmtputf8;
  }

  /** Drops a BDAT message in progress (its buffer may have spilled into a file). */
  async discardChunks(): Promise<void> {
    const chunks = this.chunks;
    this.chunks = null;
    await chunks?.buffer.discard();
  }

  /** Records an accepted RCPT and the targets it expands to. */
  addRecipient(rcpt: string, targets: readonly string[]): void {
    this.rcptCount++;
    this.firstRcpt ??= rcpt;
    for (const target of targets) {
      // One copy per mailbox however written: any case, domain in U-labels or A-labels.
      const key = normalizeAddress(target);
      if (this.#seen.has(key)) continue;
      this.#seen.add(key);
      this.targets.push(target);
    }
  }
}
