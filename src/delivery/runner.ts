/**
 * The delivery runner: every message leaves through here. It learns of new
 * messages from `spool.accept`, rebuilds its schedule from the spool at
 * start, and hands each due message's pending recipients to the courier
 * for their destination (local Maildir or remote SMTP).
 */
import { errorText } from "../log/mod.ts";
import {
  type HeldQueueFile,
  type QueuedMessage,
  QueueFileError,
  takeWakeRequests,
  WAKE_ALL,
} from "../spool/mod.ts";
import { Bouncer } from "./bouncer.ts";
import { finishAttempt, type FinishContext } from "./finish_attempt.ts";
import { LeftoverNotices, settleHeldNotices } from "./held_notices.ts";
import { DomainTurns } from "./domain_turns.ts";
import { deliverParts, splitPending } from "./domain_parts.ts";
import { MemoryBudget } from "./memory_budget.ts";
import { pollWithoutOverlap } from "./queue_pollers.ts";
import { RetrySchedule } from "./retry_schedule.ts";
import { RetryTimer } from "./retry_timer.ts";
import { sweepMaildirTmp } from "./maildir_sweep.ts";
import { QueueStateStore } from "./queue_state.ts";
import { setAsideDamaged } from "./attempt_records.ts";
import { readNoticeDueAtMs, setAsideUnread } from "./waiting_notices.ts";
import type { RunnerOptions } from "./runner_options.ts";

/** How often the whole queue folder is rescanned for messages other processes queued. */
const DEFAULT_SCAN_INTERVAL_MS = 10_000;
/** How often wake requests (`queue/wake/`) from `sendmail` and `queue retry` are taken. */
const WAKE_POLL_MS = 1_000;

/** How an attempt came: asked for by `queue retry`, or a notice pass of a message waiting for a turn. */
type AttemptFlags = { isRetryNow: boolean; isNoticeOnly: boolean };

/** Runs deliveries until stopped. */
export class DeliveryRunner {
  readonly #options: RunnerOptions;
  readonly #states: QueueStateStore;
  /** Due now, in order (a set: a rescan of a long backlog asks of each message whether it is here). */
  readonly #due = new Set<string>();
  /** Waiting for a later attempt, due on the monotonic clock (performance.now). */
  readonly #scheduled = new RetrySchedule();
  readonly #busy = new Set<string>();
  /** Asked for by `queue retry` (a wake request): attempted now, whatever their next attempt says. */
  readonly #retryNow = new Set<string>();
  /** Asked for by a wake request during an attempt of them: attempted again once it ends. */
  readonly #retryAfterAttempt = new Set<string>();
  /** Waiting for a turn, due a notice: a pass without an attempt to a busy destination. */
  readonly #noticeOnly = new Set<string>();
  /** Handed a destination's turn during an attempt of them: attempted again once it ends. */
  readonly #turnAfterAttempt = new Set<string>();
  readonly #bouncer: Bouncer;
  /** What finishing an attempt works with: built once, not per message. */
  readonly #finishContext: FinishContext;
  readonly #pollers: ReturnType<typeof setInterval>[] = [];
  readonly #retryTimer = new RetryTimer(this.#scheduled, (qid) => this.enqueue(qid));
  #isStopped = false;
  #active = 0;
  #idleWaiters: (() => void)[] = [];
  readonly #turns: DomainTurns;
  readonly #memory: MemoryBudget;
  /** Big messages that found no room in the memory budget: tried again when room is given back. */
  readonly #waitingForMemory = new Set<string>();
  /** Held notices that could not be released or dropped: finished before their message's next attempt. */
  readonly #leftovers = new LeftoverNotices();
  /** The wall clock (see RunnerOptions.now). */
  readonly #now: () => number;

  constructor(options: RunnerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#turns = new DomainTurns(
      options.perDomainConcurrency ?? 4,
      (domain) => options.remote.destinationOf?.(domain) ?? domain,
    );
    this.#memory = new MemoryBudget(options.maxInFlightMessageBytes ?? 32 * 1024 * 1024, () => {
      const waiting = [...this.#waitingForMemory];
      this.#waitingForMemory.clear();
      for (const qid of waiting) this.enqueue(qid);
    });
    this.#states = new QueueStateStore({
      spoolDir: options.spoolDir,
      spares: options.spool.spares,
      log: options.log,
    });
    this.#bouncer = new Bouncer({
      spool: options.spool,
      spoolDir: options.spoolDir,
      hostname: options.hostname,
      log: options.log,
      resolveRecipients: options.resolveNoticeRecipients,
    });
    this.#finishContext = {
      ...options,
      states: this.#states,
      bouncer: this.#bouncer,
      leftovers: this.#leftovers,
    };
  }

  /** Sweeps Maildir leftovers of a crash, loads every queued message and starts delivering. */
  async start(): Promise<void> {
    await this.#states.open();
    const swept = await sweepMaildirTmp(this.#options.spoolDir);
    if (swept > 0) this.#options.log.info("maildir.swept", { files: swept });
    await settleHeldNotices({
      spool: this.#options.spool,
      states: this.#states,
      log: this.#options.log,
      leftovers: this.#leftovers,
    });
    this.#options.spool.onAccepted((qid) => {
      this.#states.markFresh(qid);
      this.enqueue(qid);
    });
    // Requests left while no server ran: those messages are due now too.
    const requested = await takeWakeRequests(this.#options.spoolDir);
    const ids = await this.#options.spool.list();
    for (const qid of requested.includes(WAKE_ALL) ? ids : requested) this.#retryNow.add(qid);
    for (const qid of ids) this.enqueue(qid);
    if (ids.length > 0) this.#options.log.info("queue.loaded", { messages: ids.length });
    this.#every(WAKE_POLL_MS, () => this.#takeWakeRequests());
    this.#every(this.#options.scanIntervalMs ?? DEFAULT_SCAN_INTERVAL_MS, () => this.#rescan());
  }

  #every(intervalMs: number, task: () => Promise<void>): void {
    const options = { isStopped: () => this.#isStopped, log: this.#options.log };
    this.#pollers.push(pollWithoutOverlap(intervalMs, task, options));
  }

  /**
   * Messages another process asked about (sendmail, queue retry): attempt
   * now. Only this process writes state files, so `queue retry` cannot undo
   * a delivery it raced with.
   */
  async #takeWakeRequests(): Promise<void> {
    const requested = await takeWakeRequests(this.#options.spoolDir);
    const isAll = requested.includes(WAKE_ALL);
    if (isAll) this.#options.remote.wake?.();
    const qids = isAll ? await this.#options.spool.list() : requested;
    for (const qid of qids) {
      // Being attempted: that attempt began before the request, so another follows it at once.
      if (this.#busy.has(qid)) this.#retryAfterAttempt.add(qid);
      else this.#wakeNow(qid);
    }
  }

  /** Picks up messages queued by other processes and drops state files of deleted ones. */
  async #rescan(): Promise<void> {
    for (const qid of this.#turns.takeStranded()) this.enqueue(qid);
    // Told of a delay or an expiry on time, not when the turn comes (waiting_notices.ts).
    for (const qid of this.#turns.takeNoticeDue(this.#now())) {
      this.#noticeOnly.add(qid);
      this.enqueue(qid);
    }
    // Their attempt finishes them first, also for a message that is done (or gone).
    for (const qid of this.#leftovers.qids()) {
      if (this.#busy.has(qid) || this.#turns.isWaiting(qid) || this.#waitingForMemory.has(qid)) {
        continue;
      }
      this.enqueue(qid);
    }
    const ids = await this.#options.spool.list();
    const queued = new Set(ids);
    let found = 0;
    for (const qid of ids) {
      if (this.#scheduled.has(qid) || this.#busy.has(qid) || this.#due.has(qid)) continue;
      if (this.#turns.isWaiting(qid) || this.#waitingForMemory.has(qid)) continue;
      this.enqueue(qid);
      found++;
    }
    if (found > 0) this.#options.log.info("queue.rescan", { found });
    for (const qid of await this.#states.list()) {
      if (queued.has(qid) || this.#busy.has(qid) || this.#scheduled.has(qid)) continue;
      // Listed before this message was accepted? Look again before dropping its state.
      if (await this.#options.spool.exists(qid)) continue;
      await this.#states.remove(qid);
    }
  }

  /** Marks `qid` due now, whatever its next attempt says (a wake request). */
  #wakeNow(qid: string): void {
    this.#retryNow.add(qid);
    this.enqueue(qid);
  }

  /** Marks `qid` due now. */
  enqueue(qid: string): void {
    if (this.#isStopped) return;
    this.#scheduled.delete(qid);
    this.#due.add(qid);
    this.#pump();
  }

  /** Messages waiting in memory for a later attempt; for tests. */
  get scheduledCount(): number {
    return this.#scheduled.size;
  }

  /** Messages whose state the runner keeps in memory (see QueueStateStore.rememberedCount); for tests. */
  get rememberedStates(): number {
    return this.#states.rememberedCount;
  }

  /** Whether `qid` waits for a turn of a busy domain (for tests). */
  isWaitingForTurn(qid: string): boolean {
    return this.#turns.isWaiting(qid);
  }

  /** Delivery attempts in progress now. */
  get activeDeliveries(): number {
    return this.#active;
  }

  /** Stops starting new work and waits for attempts in progress. */
  async stop(): Promise<void> {
    this.#isStopped = true;
    this.#retryTimer.stop();
    for (const poller of this.#pollers.splice(0)) clearInterval(poller);
    if (this.#active > 0) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  #pump(): void {
    const limit = this.#options.concurrency ?? 16;
    while (!this.#isStopped && this.#active < limit && this.#due.size > 0) {
      const qid = this.#due.values().next().value as string;
      this.#due.delete(qid);
      if (this.#busy.has(qid)) continue;
      this.#busy.add(qid);
      this.#active++;
      this.#attempt(qid)
        .catch((error: unknown) => {
          this.#options.log.error("delivery.crash", {
            qid,
            error: errorText(error),
          });
          this.#retryTimer.schedule(qid, this.#now() + 60_000, this.#now());
        })
        .finally(() => {
          this.#busy.delete(qid);
          this.#active--;
          if (this.#active === 0) { for (const wake of this.#idleWaiters.splice(0)) wake(); }
          const isTurnWaiting = this.#turnAfterAttempt.delete(qid);
          if (this.#retryAfterAttempt.delete(qid)) this.#wakeNow(qid); // (finished: found gone)
          else if (isTurnWaiting) this.enqueue(qid);
          this.#pump();
        });
    }
  }

  async #attempt(qid: string): Promise<void> {
    const isRetryNow = this.#retryNow.delete(qid);
    const isNoticeOnly = this.#noticeOnly.delete(qid) && this.#turns.isWaiting(qid);
    // A notice left held under a name this attempt may need again; throws while it still cannot go.
    if (this.#leftovers.has(qid)) {
      await this.#leftovers.finish(qid, {
        spool: this.#options.spool,
        states: this.#states,
        log: this.#options.log,
      });
    }
    // Not due yet: the small state file says so, and the message need not be read. Due
    // further away than any backoff: set by a clock that was ahead, so due now.
    const dueAtMs = this.#states.dueAtMs(qid);
    const waitMs = dueAtMs - this.#now();
    const isDue = isRetryNow || isNoticeOnly;
    if (waitMs > 0 && waitMs <= (this.#options.longestRetryDelayMs ?? Infinity) && !isDue) {
      this.#retryTimer.schedule(qid, dueAtMs, this.#now());
      return;
    }
    const { spool, policy, isLocalDomain: isLocal } = this.#options;
    const aside = { states: this.#states, spool, policy, turns: this.#turns, isLocal };
    if (!isNoticeOnly && setAsideUnread(qid, { ...aside, nowMs: this.#now() })) {
      if (isRetryNow) this.#retryNow.add(qid); // still due at once when its turn comes
      return;
    }
    let held: HeldQueueFile | null;
    try {
      // Locked for the whole attempt, so that `queue delete` can tell it is in flight
      // (attempt_lock.ts), and read through that same open file.
      held = await this.#options.spool.holdForAttempt(qid);
    } catch (error) {
      return this.#unreadable(qid, error);
    }
    if (held === null) return this.#forgetDeleted(qid);
    const release = this.#memory.tryTake(held.sizeBytes);
    if (release === null) {
      held.file.close();
      this.#waitingForMemory.add(qid);
      if (isRetryNow) this.#retryNow.add(qid);
      return;
    }
    try {
      await this.#attemptRead(qid, { held, isRetryNow, isNoticeOnly });
    } finally {
      release();
    }
  }

  /** Deleted meanwhile (`queue delete`): a turn it was handed goes on to the next one waiting. */
  #forgetDeleted(qid: string): void {
    this.#states.forget(qid);
    this.#turns.forget(qid);
    for (const next of this.#turns.takeFreed()) this.enqueue(next);
  }

  /** A message that could not be opened or read: gone, another user's, or an error thrown on. */
  #unreadable(qid: string, error: unknown): void {
    if (error instanceof Deno.errors.NotFound) return this.#forgetDeleted(qid);
    if (!(error instanceof Deno.errors.PermissionDenied)) throw error;
    // Written by another user (a command run as root): kept, and tried again at the
    // retry interval, until an administrator gives it to the server's user.
    this.#options.log.error("queue.unreadable", { qid, error: error.message });
    this.#retryTimer.schedule(qid, this.#now() + this.#options.retryDelayMs(1), this.#now());
  }

  /** The attempt once the message is held and may be read (see `#attempt`). */
  async #attemptRead(qid: string, options: AttemptFlags & { held: HeldQueueFile }) {
    const { held } = options;
    let isHeld = true;
    const letGo = () => {
      if (isHeld) held.file.close();
      isHeld = false;
    };
    try {
      let message: QueuedMessage;
      try {
        message = await this.#options.spool.readForAttempt(held);
      } catch (error) {
        letGo();
        if (!(error instanceof QueueFileError)) return this.#unreadable(qid, error);
        return await setAsideDamaged(this.#states, { qid, error, ...this.#options });
      }
      await this.#attemptRecipients(qid, { ...options, message, letGo });
    } finally {
      letGo();
    }
  }

  /** The attempt once its message is read (see `#attemptRead`); a message set aside lets go. */
  async #attemptRecipients(
    qid: string,
    options: AttemptFlags & { message: QueuedMessage; letGo: () => void },
  ): Promise<void> {
    const { message, isRetryNow } = options;
    const state = this.#states.load(qid, message.envelope.rcpts);
    const noticeAtMs = () =>
      readNoticeDueAtMs(state, { ...this.#options, message, nowMs: this.#now() });
    const { local, byDestination } = splitPending(message, state, {
      isLocalDomain: this.#options.isLocalDomain,
      turns: this.#turns,
    });
    const destinations = [...byDestination.keys()];
    // A notice pass goes on with every destination busy: it only expires and tells.
    if (
      local.length === 0 && !options.isNoticeOnly &&
      this.#turns.waitIfBusy(qid, destinations, noticeAtMs())
    ) {
      if (isRetryNow) this.#retryNow.add(qid); // still due at once when its turn comes
      return;
    }
    // A busy destination's recipients wait for its turn, the others go now. (A turn handed
    // to a message whose attempt is still ending is taken right after it.)
    const busy = this.#turns.busyOf(destinations);
    for (const destination of busy) byDestination.delete(destination);
    const endTurn = this.#turns.take([...byDestination.keys()], (next) => {
      if (this.#busy.has(next)) this.#turnAfterAttempt.add(next);
      else this.enqueue(next);
    });
    try {
      const parts = { qid, state, local, byDestination, onDestinationDone: endTurn };
      const { log } = this.#options;
      await deliverParts(this.#options, message, { ...parts, log, states: this.#states });
      const nextAttemptMs = await finishAttempt(this.#finishContext, {
        qid,
        message,
        state,
        beforeRemove: options.letGo,
        isDueAgain: busy.length > 0,
      });
      if (nextAttemptMs === null) return this.#turns.forget(qid); // (a notice pass expired it)
      if (busy.length === 0) this.#retryTimer.schedule(qid, nextAttemptMs, this.#now());
      else if (!this.#turns.waitIfBusy(qid, busy, noticeAtMs())) {
        this.#turns.forget(qid); // freed meanwhile (a notice pass waited in line)
        this.#turnAfterAttempt.add(qid);
      }
    } finally {
      for (const destination of destinations) endTurn(destination);
    }
  }
}
