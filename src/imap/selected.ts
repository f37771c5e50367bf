/**
 * A session's view of its selected mailbox: the UIDs in sequence-number
 * order as this client knows them, and the changes (new messages, flag
 * changes by others, expunges) waiting to be told. Changes arrive from the
 * shared `Mailbox` events; they are announced between commands or during
 * IDLE, and expunges never while a FETCH, STORE or SEARCH is answered.
 */
import type { Mailbox, MailboxChange, MessageInfo } from "../mailbox/mod.ts";
import { flagsLine, formatFlags, messageFlags } from "./flags.ts";
import { claimRecent, peekRecent } from "./recent.ts";

/** The selected mailbox of one session. */
export class SelectedMailbox {
  readonly mailbox: Mailbox;
  readonly isReadOnly: boolean;
  /** UIDs in sequence order (index + 1 = sequence number). */
  #uids: number[];
  #recent = new Set<number>();
  #pendingExpunged = new Set<number>();
  #pendingAdded: number[] = [];
  #pendingFlags = new Set<number>();
  #unsubscribe: () => void;
  /** How many keywords this client was told of in the last FLAGS response. */
  #keywordCount: number;
  #wake: (() => void) | null = null;
  readonly #origin: unknown;
  readonly #onGone: (reason: "deleted" | "renamed") => void;
  #claimsSaved: Promise<void> = Promise.resolve();

  constructor(
    mailbox: Mailbox,
    options: {
      isReadOnly: boolean;
      messages: readonly MessageInfo[];
      origin: unknown;
      /** The folder was deleted or renamed by another session. */
      onGone?: (reason: "deleted" | "renamed") => void;
    },
  ) {
    this.#onGone = options.onGone ?? (() => {});
    this.mailbox = mailbox;
    this.isReadOnly = options.isReadOnly;
    this.#origin = options.origin;
    this.#uids = options.messages.map((message) => message.uid);
    this.#keywordCount = mailbox.keywords.length;
    this.#claim(options.messages);
    this.#unsubscribe = mailbox.onChange((change) => this.#onChange(change));
  }

  /** Number of messages this client knows of (EXISTS). */
  get count(): number {
    return this.#uids.length;
  }

  /** The highest UID in view, 0 when empty. */
  get maxUid(): number {
    return this.#uids.at(-1) ?? 0;
  }

  /** How many messages are \Recent for this session. */
  get recentCount(): number {
    return this.#recent.size;
  }

  /** The UID at sequence number `seq`. */
  uidAt(seq: number): number {
    return this.#uids[seq - 1] as number;
  }

  /** The sequence number of `uid`, or 0 when not in view. */
  seqOf(uid: number): number {
    let low = 0;
    let high = this.#uids.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const value = this.#uids[mid] as number;
      if (value === uid) return mid + 1;
      if (value < uid) low = mid + 1;
      else high = mid - 1;
    }
    return 0;
  }

  /** Every UID in view, ascending. */
  uids(): readonly number[] {
    return this.#uids;
  }

  /** Whether `uid` is \Recent in this session. */
  isRecent(uid: number): boolean {
    return this.#recent.has(uid);
  }

  /** Resolves when a change is waiting (IDLE); at once if one already is. */
  waitForChange(): Promise<void> {
    if (this.hasPending()) return Promise.resolve();
    return new Promise((resolve) => (this.#wake = resolve));
  }

  /** True when anything is waiting to be announced. */
  hasPending(): boolean {
    return this.#pendingAdded.length > 0 || this.#pendingExpunged.size > 0 ||
      this.#pendingFlags.size > 0;
  }

  /**
   * The untagged responses for waiting changes, applying them to the view:
   * EXPUNGEs (when `mayExpunge`), flag FETCHes, then EXISTS and RECENT.
   */
  takeUpdates(options: { mayExpunge: boolean }): string[] {
    const lines: string[] = [];
    const flags = this.takeFlagsUpdate();
    if (flags !== null) lines.push(flags);
    if (options.mayExpunge && this.#pendingExpunged.size > 0) {
      const gone = this.#pendingExpunged;
      // Highest first, so each number is right once the ones above it are gone.
      for (let i = this.#uids.length - 1; i >= 0; i--) {
        const uid = this.#uids[i] as number;
        if (!gone.has(uid)) continue;
        this.#recent.delete(uid);
        this.#pendingFlags.delete(uid);
        lines.push(`* ${i + 1} EXPUNGE\r\n`);
      }
      // One pass, not a splice each: thousands expunged at once cost O(n) instead of O(n^2).
      this.#uids = this.#uids.filter((uid) => !gone.has(uid));
      this.#pendingExpunged = new Set();
    }
    for (const uid of this.#pendingFlags) {
      const seq = this.seqOf(uid);
      const message = this.mailbox.get(uid);
      if (seq === 0 || message === undefined) continue;
      const flags = formatFlags(messageFlags(message), this.#recent.has(uid));
      lines.push(`* ${seq} FETCH (UID ${uid} FLAGS ${flags})\r\n`);
    }
    this.#pendingFlags.clear();
    if (this.#pendingAdded.length > 0) {
      const known = new Set(this.#uids);
      const fresh = this.#pendingAdded.filter((uid) => !known.has(uid) && this.mailbox.get(uid));
      this.#pendingAdded = [];
      if (fresh.length > 0) {
        for (const uid of fresh) this.#uids.push(uid); // no spread: fresh may be huge
        this.#uids.sort((a, b) => a - b);
        this.#claim(fresh.map((uid) => this.mailbox.get(uid) as MessageInfo));
        lines.push(`* ${this.#uids.length} EXISTS\r\n`, `* ${this.#recent.size} RECENT\r\n`);
      }
    }
    return lines;
  }

  /**
   * A new `* FLAGS` line when keywords were defined since the client last
   * heard (RFC 9051 7.3.5), else null. Due before FETCH responses that use them.
   */
  takeFlagsUpdate(): string | null {
    const keywords = this.mailbox.keywords;
    if (keywords.length === this.#keywordCount) return null;
    this.#keywordCount = keywords.length;
    return flagsLine(keywords);
  }

  /** Stops listening (CLOSE, UNSELECT, another SELECT, logout). */
  close(): void {
    this.#unsubscribe();
    this.#wake?.();
    this.#wake = null;
  }

  /**
   * Resolves when this session's claims so far are on disk: the claimed
   * messages moved from new/ to cur/, so that no later session (after the
   * mailbox left the idle cache, or a restart) sees them \Recent again.
   */
  claimsSaved(): Promise<void> {
    return this.#claimsSaved;
  }

  #claim(messages: readonly MessageInfo[]): void {
    if (this.isReadOnly) {
      // EXAMINE must not take \Recent away from anyone, but shows it (RFC 3501 2.3.2, 6.3.2).
      for (const uid of peekRecent(this.mailbox, messages)) this.#recent.add(uid);
      return;
    }
    const mine = claimRecent(this.mailbox, messages);
    for (const uid of mine) this.#recent.add(uid);
    const waiting = mine.filter((uid) => this.mailbox.get(uid)?.isNew);
    if (waiting.length === 0) return;
    // A message still in new/ is unclaimed to every process that opens the folder.
    // A failed move leaves the claim to this process alone (the message stays intact).
    this.#claimsSaved = this.mailbox.store(waiting, {}).then(() => {}, () => {});
  }

  #onChange(change: MailboxChange): void {
    if (change.kind === "gone") {
      this.#onGone(change.reason);
    } else if (change.kind === "added") {
      for (const message of change.messages) this.#pendingAdded.push(message.uid);
    } else if (change.kind === "expunged") {
      for (const uid of change.uids) {
        if (this.seqOf(uid) > 0) this.#pendingExpunged.add(uid);
      }
      if (this.#pendingAdded.length > 0) {
        const gone = new Set(change.uids);
        this.#pendingAdded = this.#pendingAdded.filter((uid) => !gone.has(uid));
      }
    } else if (change.origin !== this.#origin) {
      for (const message of change.messages) this.#pendingFlags.add(message.uid);
    }
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
