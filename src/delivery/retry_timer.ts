/**
 * The one timer that hands the runner the messages of a RetrySchedule as
 * they fall due (on the monotonic clock), armed for the earliest and
 * re-armed only when an earlier one comes.
 */
import type { RetrySchedule } from "./retry_schedule.ts";

/** Longest setTimeout delay (a 32-bit count of ms). */
const MAX_TIMEOUT_MS = 2_147_000_000;

export class RetryTimer {
  readonly #scheduled: RetrySchedule;
  readonly #onDue: (qid: string) => void;
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** When the armed timer is due, on the monotonic clock. */
  #timerAtMs = 0;
  #isStopped = false;

  constructor(scheduled: RetrySchedule, onDue: (qid: string) => void) {
    this.#scheduled = scheduled;
    this.#onDue = onDue;
  }

  /**
   * Schedules `qid` at `atMs` on the wall clock (`nowMs` now). The wait in
   * memory runs on the monotonic clock: a wall clock set back a day meanwhile
   * (NTP, by hand) would otherwise hold every waiting retry for that day.
   */
  schedule(qid: string, atMs: number, nowMs: number): void {
    this.#scheduled.set(qid, performance.now() + (atMs - nowMs));
    this.#arm();
  }

  /** Arms the timer for the earliest scheduled message. */
  #arm(): void {
    const earliest = this.#scheduled.earliestMs();
    if (this.#timer !== null && earliest === this.#timerAtMs) return; // armed for it already
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (earliest === null || this.#isStopped) return;
    this.#timerAtMs = earliest;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      for (const qid of this.#scheduled.takeDue(performance.now())) this.#onDue(qid);
      this.#arm();
    }, Math.max(0, Math.min(earliest - performance.now(), MAX_TIMEOUT_MS)));
  }

  stop(): void {
    this.#isStopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
