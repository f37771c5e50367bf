/**
 * The delivery runner: every message leaves through here. It learns of new
 * messages from `spool.accept`, rebuilds its schedule from the spool at
 * start, and hands each due message's pending recipients to the courier
 * for their destination (local Maildir or remote SMTP).
 */
import type { Logger } from "../log/mod.ts";
import type { QueuedMessage, Spool } from "../spool/mod.ts";
import type { Courier, DeliveryOutcome } from "./outcome.ts";
import { sweepMaildirTmp } from "./maildir_sweep.ts";
import { type QueueState, QueueStateStore } from "./queue_state.ts";

/** What the runner needs from the composition root. */
export interface RunnerOptions {
  spool: Spool;
  spoolDir: string;
  log: Logger;
  local: Courier;
  remote: Courier;
  isLocalDomain: (domain: string) => boolean;
  /** Messages processed at once. */
  concurrency?: number;
  /** Delay before the next attempt after `attempts` transient failures. */
  retryDelayMs: (attempts: number) => number;
}

/** Runs deliveries until stopped. */
export class DeliveryRunner {
  readonly #options: RunnerOptions;
  readonly #states: QueueStateStore;
  readonly #due: string[] = [];
  readonly #scheduled = new Map<string, number>();
  readonly #busy = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #isStopped = false;
  #active = 0;
  #idleWaiters: (() => void)[] = [];

  constructor(options: RunnerOptions) {
    this.#options = options;
    this.#states = new QueueStateStore({ spoolDir: options.spoolDir });
  }

  /** Sweeps Maildir leftovers of a crash, loads every queued message and starts delivering. */
  async start(): Promise<void> {
    await this.#states.open();
    const swept = await sweepMaildirTmp(this.#options.spoolDir);
    if (swept > 0) this.#options.log.info("maildir.swept", { files: swept });
    this.#options.spool.onAccepted((qid) => this.enqueue(qid));
    const ids = await this.#options.spool.list();
    for (const qid of ids) this.enqueue(qid);
    if (ids.length > 0) this.#options.log.info("queue.loaded", { messages: ids.length });
  }

  /** Marks `qid` due now. */
  enqueue(qid: string): void {
    if (this.#isStopped) return;
    this.#scheduled.delete(qid);
    this.#due.push(qid);
    this.#pump();
  }

  /** Stops starting new work and waits for attempts in progress. */
  async stop(): Promise<void> {
    this.#isStopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    if (this.#active > 0) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  #pump(): void {
    const limit = this.#options.concurrency ?? 16;
    while (!this.#isStopped && this.#active < limit && this.#due.length > 0) {
      const qid = this.#due.shift() as string;
      if (this.#busy.has(qid)) continue;
      this.#busy.add(qid);
      this.#active++;
      this.#attempt(qid)
        .catch((error: unknown) => {
          this.#options.log.error("delivery.crash", {
            qid,
            error: error instanceof Error ? error.stack ?? error.message : String(error),
          });
          this.#schedule(qid, Date.now() + 60_000);
        })
        .finally(() => {
          this.#busy.delete(qid);
          this.#active--;
          if (this.#active === 0) { for (const wake of this.#idleWaiters.splice(0)) wake(); }
          this.#pump();
        });
    }
  }

  #schedule(qid: string, atMs: number): void {
    this.#scheduled.set(qid, atMs);
    this.#armTimer();
  }

  #armTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    if (this.#scheduled.size === 0 || this.#isStopped) return;
    let earliest = Infinity;
    for (const at of this.#scheduled.values()) earliest = Math.min(earliest, at);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      const now = Date.now();
      for (const [qid, at] of this.#scheduled) if (at <= now) this.enqueue(qid);
      this.#armTimer();
    }, Math.max(0, Math.min(earliest - Date.now(), 2_147_000_000)));
  }

  async #attempt(qid: string): Promise<void> {
    let message: QueuedMessage;
    try {
      message = await this.#options.spool.read(qid);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return; // deleted meanwhile
      throw error;
    }
    const state = await this.#states.load(qid, message.envelope.rcpts);
    if (state.nextAttemptMs > Date.now()) {
      this.#schedule(qid, state.nextAttemptMs);
      return;
    }
    const pending = message.envelope.rcpts.filter((rcpt) =>
      state.rcpts[rcpt]?.status === "pending"
    );
    const local = pending.filter((rcpt) => this.#options.isLocalDomain(domainOf(rcpt)));
    const remote = pending.filter((rcpt) => !this.#options.isLocalDomain(domainOf(rcpt)));
    const outcomes = new Map<string, DeliveryOutcome>();
    if (local.length > 0) {
      for (const [k, v] of await this.#options.local.deliver(message, local)) outcomes.set(k, v);
    }
    if (remote.length > 0) {
      for (const [k, v] of await this.#options.remote.deliver(message, remote)) {
        outcomes.set(k, v);
      }
    }
    this.#record(qid, state, outcomes);
    await this.#finish(qid, message, state);
  }

  #record(qid: string, state: QueueState, outcomes: Map<string, DeliveryOutcome>): void {
    for (const [rcpt, outcome] of outcomes) {
      const entry = state.rcpts[rcpt];
      if (!entry) continue;
      entry.attempts++;
      entry.remoteMta = outcome.remoteMta;
      if (outcome.kind === "delivered") {
        entry.status = "delivered";
        this.#options.log.info("msg.delivered", { qid, rcpt, relay: outcome.remoteMta ?? "local" });
      } else {
        entry.lastReason = outcome.reason;
        entry.lastStatus = outcome.status;
        if (outcome.kind === "permanent") entry.status = "failed";
        const level = outcome.kind === "permanent" ? "info" : "warn";
        this.#options.log.log(
          level,
          `msg.${outcome.kind === "permanent" ? "failed" : "deferred"}`,
          {
            qid,
            rcpt,
            status: outcome.status,
            reason: outcome.reason,
          },
        );
      }
    }
  }

  async #finish(qid: string, message: QueuedMessage, state: QueueState): Promise<void> {
    const pending = Object.entries(state.rcpts).filter(([, entry]) => entry.status === "pending");
    if (pending.length === 0) {
      await this.#options.spool.remove(qid);
      await this.#states.remove(qid);
      return;
    }
    const attempts = Math.max(...pending.map(([, entry]) => entry.attempts));
    state.nextAttemptMs = Date.now() + this.#options.retryDelayMs(attempts);
    await this.#states.save(qid, state);
    this.#schedule(qid, state.nextAttemptMs);
    void message;
  }
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf("@") + 1).toLowerCase();
}
