/**
 * One process-wide timer for every connection's idle timeout and deadline.
 *
 * A connection's `IdleTimer` used a `setTimeout` of its own, made when the
 * connection opened and cleared when it closed: a Node-style `Timeout`
 * object each in Deno 2.9, some 10 us of a one-message SMTP session in the
 * CPU profile. Here every armed alarm is kept in a set, and one timer is
 * armed for the earliest of them; when it fires it rings the alarms that
 * are due and arms itself for the next. Closing a connection only takes its
 * alarm out of the set (the timer is cleared once the set is empty, so a
 * process with no connections holds no timer).
 *
 * A ring walks all armed alarms, and rings come at most once per alarm per
 * idle period (minutes): with a thousand connections, a million steps per
 * period at the very worst.
 */

/** The longest delay setTimeout takes as given (2^31 - 1 ms, about 24.8 days); a longer one means 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** One alarm: `ring` is called once `atMs` (performance.now) has come, unless cleared first. */
export interface Alarm {
  /** When it rings; Infinity while not armed. */
  atMs: number;
  ring: () => void;
}

const armed = new Set<Alarm>();
let timer: ReturnType<typeof setTimeout> | null = null;
/** When the timer fires (performance.now), Infinity when none is armed. */
let timerAtMs = Infinity;

/** Arms `alarm` for `atMs` (replacing the time it was armed for). */
export function setAlarm(alarm: Alarm, atMs: number): void {
  alarm.atMs = atMs;
  armed.add(alarm);
  if (atMs < timerAtMs) armTimer(atMs);
}

/** Disarms `alarm`; it does not ring unless armed again. */
export function clearAlarm(alarm: Alarm): void {
  alarm.atMs = Infinity;
  if (!armed.delete(alarm) || armed.size > 0 || timer === null) return;
  clearTimeout(timer);
  timer = null;
  timerAtMs = Infinity;
}

function armTimer(atMs: number): void {
  if (timer !== null) clearTimeout(timer);
  const nowMs = performance.now();
  // Capped: an alarm weeks away is simply looked at again after 24 days.
  const delayMs = Math.min(Math.max(0, atMs - nowMs), MAX_TIMER_MS);
  timerAtMs = nowMs + delayMs;
  timer = setTimeout(ringDue, delayMs);
  Deno.unrefTimer(timer); // like a socket's timeout, it never keeps the process alive
}

/** Rings every alarm that is due (each disarmed first: it may arm itself again). */
function ringDue(): void {
  timer = null;
  timerAtMs = Infinity;
  const nowMs = performance.now();
  const due: Alarm[] = [];
  let nextMs = Infinity;
  for (const alarm of armed) {
    if (alarm.atMs <= nowMs) due.push(alarm);
    else if (alarm.atMs < nextMs) nextMs = alarm.atMs;
  }
  for (const alarm of due) {
    armed.delete(alarm);
    alarm.atMs = Infinity;
  }
  if (nextMs !== Infinity) armTimer(nextMs);
  for (const alarm of due) {
    try {
      alarm.ring();
    } catch (error) {
      // Uncaught, as from a timer of its own, but after the other alarms have rung.
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}
