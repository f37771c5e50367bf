/**
 * An idle timeout that costs nothing per read or write: activity only
 * records the time, and the one timer checks it when it fires, setting
 * itself again for what is left. (A socket's own timeout re-creates a timer
 * on every read and write.) The same timer keeps one deadline, a limit that
 * activity does not push back (a whole reply's time), so that setting a new
 * idle period or deadline costs no new timer while the armed one fires soon
 * enough: an SMTP client sets both for every reply it waits for.
 */

import { type Alarm, clearAlarm, setAlarm } from "./alarms.ts";

export { MAX_TIMER_MS } from "./alarms.ts";

/** Calls `onIdle` once nothing has happened for the timeout. */
export class IdleTimer {
  #timeoutMs: number;
  /** Its time on the process's one timer (alarms.ts); `atMs` is Infinity when not armed. */
  readonly #alarm: Alarm = { atMs: Infinity, ring: () => this.#check() };
  #lastActivityMs = performance.now();
  readonly #onIdle: () => void;
  #deadline: { atMs: number; onExpired: () => void } | null = null;
  /** Stopped: no idle timeout until `restart` (a deadline may still be set). */
  #isStopped = false;

  /** Started at once. */
  constructor(timeoutMs: number, onIdle: () => void) {
    this.#timeoutMs = timeoutMs;
    this.#onIdle = onIdle;
    this.#arm(timeoutMs);
  }

  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /** Something happened: the idle period starts again from now. */
  touch(): void {
    this.#lastActivityMs = performance.now();
  }

  /** A full idle period from now (of `timeoutMs`, when given, from now on). */
  restart(timeoutMs = this.#timeoutMs): void {
    this.#timeoutMs = timeoutMs;
    this.#isStopped = false;
    this.touch();
    this.#armBy(this.#lastActivityMs + timeoutMs);
  }

  /**
   * Calls `onExpired` once `inMs` have passed, whatever happens meanwhile,
   * unless `clearDeadline` comes first. One deadline at a time: a new one
   * replaces the last.
   */
  setDeadline(inMs: number, onExpired: () => void): void {
    const atMs = performance.now() + inMs;
    this.#deadline = { atMs, onExpired };
    this.#armBy(atMs);
  }

  clearDeadline(): void {
    this.#deadline = null;
  }

  /**
   * Stops the idle timeout until `restart`. A deadline stays: whoever set it
   * may be waiting on it (a write that never drains on a closed socket).
   */
  stop(): void {
    this.#isStopped = true;
    this.#disarm();
    if (this.#deadline !== null) this.#arm(this.#deadline.atMs - performance.now());
  }

  #disarm(): void {
    clearAlarm(this.#alarm);
  }

  /** Makes sure the timer fires by `atMs`; one armed for sooner stays (its check arms again). */
  #armBy(atMs: number): void {
    if (this.#alarm.atMs <= atMs) return;
    this.#arm(atMs - performance.now());
  }

  #arm(delayMs: number): void {
    setAlarm(this.#alarm, performance.now() + Math.max(0, delayMs));
  }

  #check(): void {
    const nowMs = performance.now();
    const deadline = this.#deadline;
    if (deadline !== null && nowMs >= deadline.atMs) {
      this.#deadline = null;
      deadline.onExpired();
    }
    if (this.#alarm.atMs !== Infinity) return; // armed again by the callback
    const deadlineInMs = this.#deadline === null ? Infinity : this.#deadline.atMs - nowMs;
    if (this.#isStopped) {
      if (deadlineInMs !== Infinity) this.#arm(deadlineInMs);
      return;
    }
    const idleForMs = nowMs - this.#lastActivityMs;
    if (idleForMs < this.#timeoutMs) {
      return this.#arm(Math.min(this.#timeoutMs - idleForMs, deadlineInMs));
    }
    this.#onIdle();
    // Its timer went with it, or was armed for a new idle period (onIdle may restart it):
    // a deadline still set fires when it is due, not at the end of that period.
    if (this.#deadline !== null) this.#armBy(this.#deadline.atMs);
  }
}
