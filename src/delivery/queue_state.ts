/**
 * Per-recipient delivery state of one queued message, kept in
 * `<spool>/queue/state/<qid>` and replaced atomically after each attempt.
 * No state file means no attempt yet: every recipient is pending.
 */
import { join } from "node:path";
import type { Logger } from "../log/mod.ts";
import { type SpareFiles, writeFileAtomic } from "../spool/mod.ts";

/** Where one recipient stands. */
export interface RecipientState {
  status: "pending" | "delivered" | "failed";
  attempts: number;
  /** Last outcome text (remote reply or local error), for queue show and DSNs. */
  lastReason?: string;
  /** Enhanced status code of the last outcome, e.g. "4.4.1". */
  lastStatus?: string;
  /** The remote host that answered, for the DSN's Remote-MTA. */
  remoteMta?: string;
  /** When the last attempt for this recipient ended (ms since epoch). */
  lastAttemptMs?: number;
  /**
   * A failed recipient whose bounce was accepted (so it is not bounced twice),
   * or a delivered one whose success notice was (RFC 3461 NOTIFY=SUCCESS).
   */
  isReported?: boolean;
  /** Delivered to a next hop that took the DSN parameters: that hop reports success, not we. */
  isDsnPassedOn?: boolean;
  /** The next hop's reply that took the message, for a "relayed" notice's Diagnostic-Code. */
  deliveredReply?: string;
}

/** The whole state of a queued message. */
export interface QueueState {
  rcpts: Record<string, RecipientState>;
  /** When the next attempt is due (ms since epoch); 0 = now. */
  nextAttemptMs: number;
  /** Whether the "delayed" DSN was already sent. */
  isDelayNoticeSent?: boolean;
  /** Whether the aliases the envelope names as expanded were reported (RFC 3461 5.2.7.3). */
  isExpansionReported?: boolean;
  /**
   * When the message's age counts from, when its arrival was stamped by a
   * clock that was ahead (see `ageStartMs` in bounce_policy.ts).
   */
  agedFromMs?: number;
}

/** Fresh state: every recipient pending, due now. */
export function initialState(rcpts: readonly string[]): QueueState {
  const state: QueueState = { rcpts: {}, nextAttemptMs: 0 };
  for (const rcpt of rcpts) state.rcpts[rcpt] = { status: "pending", attempts: 0 };
  return state;
}

const STATUSES: readonly string[] = ["pending", "delivered", "failed"];

/** State texts kept for messages waiting for a turn (see `QueueStateStore.keepAside`). */
const MAX_KEPT_ASIDE = 10_000;

/**
 * What `dueAtMs` read is kept for this many messages, the latest: more than
 * the attempts that run at once (16 by default), each of which reads its
 * state between `dueAtMs` and `load` while the others read theirs.
 */
const MAX_PEEKED = 64;

/** A state file's text as `dueAtMs` read it, and what it parsed to (undefined: not parsed). */
interface Peek {
  text: string | null;
  saved?: Partial<QueueState> | null;
}

/** Whether `entry` is a recipient state this server could have written. */
function isRecipientState(entry: unknown): entry is RecipientState {
  if (entry === null || typeof entry !== "object") return false;
  const { status, attempts } = entry as Partial<RecipientState>;
  return typeof status === "string" && STATUSES.includes(status) &&
    typeof attempts === "number";
}

/** Reads and writes state files in one directory. */
export class QueueStateStore {
  /** Normalised once: a state file's path is this plus "/" and its qid (no path.join per use). */
  readonly dir: string;
  readonly #tmpDir: string;
  readonly #spares: SpareFiles | null;
  /**
   * Messages known to have no state file: accepted by this process and never
   * saved, or found without one. Loading and removing them need no file
   * system call (the common case: a message delivered at its first attempt;
   * in a drain after a restart, one that was never tried). A state file
   * another process (`queue retry`) wrote for one meanwhile says what the
   * initial state says, and a rescan clears it up once the message is gone.
   */
  readonly #fresh = new Set<string>();
  /**
   * States whose save failed (a disk error): the outcomes of that attempt
   * are known only here, and the next attempt must go by them, or a
   * recipient already delivered to would get the message again.
   */
  readonly #unsaved = new Map<string, QueueState>();
  /**
   * The state files `dueAtMs` read, by message, for the `load` of the same
   * attempt: attempts run side by side, and one slot was taken by the next
   * attempt's read before the first one's `load` (each state read twice in
   * a drain). At most MAX_PEEKED, the oldest dropped first (read again).
   */
  readonly #peeked = new Map<string, Peek>();
  /**
   * State file texts of messages set aside unread for a busy domain (see
   * `keepAside`), for when their turn comes: a backlog's would be read twice.
   * Only this process writes state files; a `queue delete` meanwhile removes
   * the message too, which its attempt then finds gone.
   */
  readonly #aside = new Map<string, string>();

  readonly #log: Logger | null;

  /**
   * `spares`: where removed state files go (see SpareFiles); without it they
   * are deleted. `log`: where a damaged state file is reported.
   */
  constructor(options: { spoolDir: string; spares?: SpareFiles | null; log?: Logger }) {
    this.dir = join(options.spoolDir, "queue", "state");
    this.#tmpDir = join(options.spoolDir, "queue", "tmp");
    this.#spares = options.spares ?? null;
    this.#log = options.log ?? null;
  }

  /** How many messages the store remembers something about in memory (for tests). */
  get rememberedCount(): number {
    return this.#fresh.size + this.#unsaved.size + this.#aside.size;
  }

  /** Notes that `qid` was just accepted here and has no state file yet. */
  markFresh(qid: string): void {
    this.#fresh.add(qid);
  }

  async open(): Promise<void> {
    await Deno.mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  /**
   * The saved state (or the last one whose save failed), or the initial one
   * if none was saved. A damaged file (not JSON, or a recipient entry that
   * is no state) is logged, and what it cannot say counts as pending: a
   * recipient may get a second copy, but none is dropped unsent.
   */
  load(qid: string, rcpts: readonly string[]): QueueState {
    const unsaved = this.#unsaved.get(qid);
    if (unsaved) return unsaved;
    const peek = this.#peeked.get(qid);
    this.#peeked.delete(qid);
    const text = peek ? peek.text : this.#readText(qid);
    return this.#parse(qid, text, rcpts, peek?.saved)?.state ?? initialState(rcpts);
  }

  /**
   * The state on disk (not one in memory), read as `load` reads it, or null
   * when none is there to go by: no file, not JSON, or no recipients (then
   * `load` starts every recipient afresh). For settling held notices by
   * what the runner will make of the file.
   */
  loadSaved(qid: string, rcpts: readonly string[]): QueueState | null {
    let text: string;
    try {
      text = Deno.readTextFileSync(`${this.dir}/${qid}`);
    } catch {
      return null;
    }
    const parsed = this.#parse(qid, text, rcpts);
    return parsed?.hasRcpts ? parsed.state : null;
  }

  /**
   * A state file's text read for `rcpts` (`parsed`: what `dueAtMs` made of
   * it, when it did); null when there is none or it is no state at all.
   */
  #parse(
    qid: string,
    text: string | null,
    rcpts: readonly string[],
    parsed?: Partial<QueueState> | null,
  ): { state: QueueState; hasRcpts: boolean } | null {
    if (text === null) return null;
    let saved: Partial<QueueState> | null;
    try {
      saved = parsed !== undefined ? parsed : JSON.parse(text) as Partial<QueueState> | null;
    } catch (error) {
      this.#reportDamage(qid, `not JSON: ${(error as Error).message}`);
      return null;
    }
    if (saved === null || typeof saved !== "object") {
      this.#reportDamage(qid, "not a state object");
      return null;
    }
    const state = initialState(rcpts);
    const damaged: string[] = [];
    for (const rcpt of rcpts) {
      const entry: unknown = saved.rcpts?.[rcpt];
      if (entry === undefined) continue;
      if (isRecipientState(entry)) state.rcpts[rcpt] = entry;
      else damaged.push(rcpt);
    }
    if (damaged.length > 0) {
      this.#reportDamage(qid, `no usable state for ${damaged.join(", ")}: counted as pending`);
    }
    state.nextAttemptMs = typeof saved.nextAttemptMs === "number" ? saved.nextAttemptMs : 0;
    state.isDelayNoticeSent = saved.isDelayNoticeSent;
    if (saved.isExpansionReported === true) state.isExpansionReported = true;
    if (typeof saved.agedFromMs === "number") state.agedFromMs = saved.agedFromMs;
    const hasRcpts = saved.rcpts !== null && typeof saved.rcpts === "object";
    return { state, hasRcpts };
  }

  #reportDamage(qid: string, reason: string): void {
    this.#log?.error("queue.state_damaged", { qid, file: join(this.dir, qid), reason });
  }

  /**
   * When the next attempt of `qid` is due (ms since epoch; 0 when no state
   * says otherwise), from the state file alone: a message that is not due
   * need not be read (a restart with a long queue). The text read is kept
   * for the `load` that follows.
   */
  dueAtMs(qid: string): number {
    const unsaved = this.#unsaved.get(qid);
    if (unsaved) return unsaved.nextAttemptMs;
    const text = this.#readText(qid);
    const peek: Peek = { text };
    this.#peeked.delete(qid); // (the newest goes last)
    this.#peeked.set(qid, peek);
    if (this.#peeked.size > MAX_PEEKED) this.#peeked.delete(this.#peeked.keys().next().value!);
    if (text === null) return 0;
    try {
      const saved = JSON.parse(text) as Partial<QueueState> | null;
      peek.saved = saved;
      const due = saved?.nextAttemptMs;
      return typeof due === "number" ? due : 0;
    } catch {
      return 0;
    }
  }

  /**
   * The recipients still pending by what `dueAtMs` just read of `qid` (or a
   * state in memory), without reading the message; null when that says
   * nothing. A hint, so that the runner can set a message aside unread
   * while its domains are busy (a drain's backlog); the attempt itself goes
   * by the message's envelope. None from a damaged entry: `load` counts its
   * recipient as pending, and that may be a local one, which never waits.
   */
  pendingHint(qid: string): string[] | null {
    const saved = this.#unsaved.get(qid) ??
      (this.#peeked.get(qid)?.saved ?? null);
    const rcpts: unknown = saved?.rcpts;
    if (rcpts === null || typeof rcpts !== "object") return null;
    const pending: string[] = [];
    for (const [rcpt, entry] of Object.entries(rcpts)) {
      if (!isRecipientState(entry)) return null;
      if (entry.status === "pending") pending.push(rcpt);
    }
    return pending.length > 0 ? pending : null;
  }

  /**
   * What `dueAtMs` just read of `qid` (or a state in memory) says of its age
   * and delay notice, for a message set aside unread; null when it read no
   * state. (A file an older version wrote has no `agedFromMs`.)
   */
  agingHint(qid: string): Pick<QueueState, "agedFromMs" | "isDelayNoticeSent"> | null {
    const saved = this.#unsaved.get(qid) ??
      (this.#peeked.get(qid)?.saved ?? null);
    if (saved === null || typeof saved !== "object") return null;
    const agedFromMs = typeof saved.agedFromMs === "number" ? saved.agedFromMs : undefined;
    return { agedFromMs, isDelayNoticeSent: saved.isDelayNoticeSent === true };
  }

  /**
   * Keeps the text `dueAtMs` just read of `qid` until its next read: the
   * message waits for a turn and is due again when it comes. At most
   * MAX_KEPT_ASIDE texts (a few hundred bytes each); past that, read again.
   */
  keepAside(qid: string): void {
    const text = this.#peeked.get(qid)?.text ?? null;
    this.#peeked.delete(qid);
    if (text !== null && this.#aside.size < MAX_KEPT_ASIDE) this.#aside.set(qid, text);
  }

  /** The state file's text, or null if there is none (remembered) or it cannot be read. */
  #readText(qid: string): string | null {
    if (this.#fresh.has(qid)) return null;
    const kept = this.#aside.get(qid);
    if (kept !== undefined) {
      this.#aside.delete(qid);
      return kept;
    }
    try {
      // A state file is small and in the page cache: read inline, not through the I/O pool.
      return Deno.readTextFileSync(`${this.dir}/${qid}`);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) this.#fresh.add(qid);
      return null;
    }
  }

  /** Replaces the state atomically (tmp, fsync, rename, fsync dir). */
  async save(qid: string, state: QueueState): Promise<void> {
    this.#fresh.delete(qid);
    this.#aside.delete(qid);
    this.#peeked.delete(qid);
    try {
      await writeFileAtomic(
        `${this.dir}/${qid}`,
        [new TextEncoder().encode(JSON.stringify(state))],
        {
          tmpDir: this.#tmpDir,
        },
      );
    } catch (error) {
      this.#unsaved.set(qid, state);
      throw error;
    }
    this.#unsaved.delete(qid);
  }

  /**
   * The message is gone (deleted before its attempt): what memory holds of
   * it goes, the disk is left alone (a state file still there is the
   * rescan's to remove, once it sees no message for it).
   */
  forget(qid: string): void {
    this.#fresh.delete(qid);
    this.#aside.delete(qid);
    this.#unsaved.delete(qid);
    this.#peeked.delete(qid);
  }

  async remove(qid: string): Promise<void> {
    this.#unsaved.delete(qid);
    this.#aside.delete(qid);
    this.#peeked.delete(qid);
    if (this.#fresh.delete(qid)) return;
    const path = `${this.dir}/${qid}`;
    await (this.#spares ? this.#spares.recycle(path) : Deno.remove(path)).catch(() => {});
  }

  /**
   * Queue ids that have a state file. A hidden name is no queue id: another
   * program's (the probe `pillarbox check` makes and removes at once).
   */
  async list(): Promise<string[]> {
    const ids: string[] = [];
    for await (const entry of Deno.readDir(this.dir)) {
      if (entry.isFile && !entry.name.startsWith(".")) ids.push(entry.name);
    }
    return ids;
  }
}
