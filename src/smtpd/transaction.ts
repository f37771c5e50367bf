import { normalizeAddress } from "../auth/mod.ts";
import type { LineEndingChecker } from "../smtp/mod.ts";
import { aliasTargetDsn, type DsnReturn, type RecipientDsn } from "../smtp/mod.ts";
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
  /** RET and ENVID from MAIL (RFC 3461 4.3, 4.4); ENVID as the client wrote it (xtext). */
  readonly ret?: DsnReturn;
  readonly envid?: string;
  /** NOTIFY and ORCPT by target, for the targets of RCPTs that gave either; else null. */
  rcptDsn: Record<string, RecipientDsn> | null = null;
  /** RCPTs asking for SUCCESS that expanded to several targets: each gets an "expanded" notice. */
  expanded: { rcpt: string; orcpt?: string }[] | null = null;
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

  constructor(
    options: {
      from: string;
      is8bit: boolean;
      isSmtputf8: boolean;
      ret?: DsnReturn;
      envid?: string;
    },
  ) {
    this.from = options.from;
    this.is8bit = options.is8bit;
    this.isSmtputf8 = options.isSmtputf8;
    if (options.ret) this.ret = options.ret;
    if (options.envid) this.envid = options.envid;
  }

  /** Drops a BDAT message in progress (its buffer may have spilled into a file). */
  async discardChunks(): Promise<void> {
    const chunks = this.chunks;
    this.chunks = null;
    await chunks?.buffer.discard();
  }

  /**
   * Records an accepted RCPT, the targets it expands to and what it asked
   * for with NOTIFY and ORCPT (`dsn`, absent when it gave neither).
   */
  addRecipient(rcpt: string, targets: readonly string[], dsn?: RecipientDsn): void {
    this.rcptCount++;
    this.firstRcpt ??= rcpt;
    const targetDsn = dsn ? this.#dsnOfTargets(rcpt, targets, dsn) : null;
    for (const target of targets) {
      // One copy per mailbox however written: any case, domain in U-labels or A-labels.
      const key = normalizeAddress(target);
      if (this.#seen.has(key)) continue;
      this.#seen.add(key);
      this.targets.push(target);
      if (targetDsn) (this.rcptDsn ??= {})[target] = targetDsn;
    }
  }

  /**
   * What the targets of one RCPT carry on: as given for a plain recipient,
   * what an alias passes on (`aliasTargetDsn`) for an alias; an alias
   * reported "expanded" is noted once, however many RCPTs name it.
   */
  #dsnOfTargets(rcpt: string, targets: readonly string[], dsn: RecipientDsn): RecipientDsn {
    const isAlias = targets.length !== 1 ||
      normalizeAddress(targets[0]!) !== normalizeAddress(rcpt);
    if (!isAlias) return dsn;
    const { carried, isExpanded } = aliasTargetDsn(rcpt, dsn, { targetCount: targets.length });
    // Named twice (To and Cc both hold the list): one "expanded" block, not one per RCPT.
    const key = normalizeAddress(rcpt);
    if (isExpanded && !this.expanded?.some((alias) => normalizeAddress(alias.rcpt) === key)) {
      (this.expanded ??= []).push(dsn.orcpt ? { rcpt, orcpt: dsn.orcpt } : { rcpt });
    }
    return carried;
  }
}
