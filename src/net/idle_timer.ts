/**
 * An idle timeout that costs nothing per read or write: activity only
 * records the time, and the one timer checks it when it fires, setting
 * itself again for what is left. (A socket's own timeout re-creates a timer
 * on every read and write.)
 */

/** The longest delay setTimeout takes as given (2^31 - 1 ms, about 24.8 days); a longer one means 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Calls `onIdle` once nothing has happened for the timeout. */
export class IdleTimer {
  #timeoutMs: number;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #lastActivityMs = performance.now();
  readonly #onIdle: () => void;

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
    this.touch();
    this.#arm(timeoutMs);
  }

  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #arm(delayMs: number): void {
    this.stop();
    // Capped: a timeout of weeks simply checks again after 24 days.
    const timer = setTimeout(this.#check, Math.min(delayMs, MAX_TIMER_MS));
    this.#timer = timer;
    Deno.unrefTimer(timer); // like a socket's timeout, it never keeps the process alive
  }

  #check = () => {
    this.#timer = null;
    const idleForMs = performance.now() - this.#lastActivityMs;
    if (idleForMs >= this.#timeoutMs) this.#onIdle();
    else this.#arm(this.#timeoutMs - idleForMs);
  };
}
