/** Closing a transport politely, with a limit on the politeness. */
import type { Transport } from "./transport.ts";

/**
 * Transports lingering now and when each is cut off (performance.now). One
 * timer serves them all, armed for the earliest cut-off: a timer made and
 * cleared for every closed connection was a Node-style `Timeout` each (some
 * 8 us of a one-message session in the CPU profile).
 */
const lingering = new Map<Transport, number>();
let sweepTimer: ReturnType<typeof setTimeout> | null = null;
let sweepAtMs = Infinity;

/** Makes sure the sweep runs by `atMs`. */
function sweepBy(atMs: number): void {
  if (sweepTimer !== null && sweepAtMs <= atMs) return;
  if (sweepTimer !== null) clearTimeout(sweepTimer);
  const delayMs = Math.max(0, atMs - performance.now());
  sweepAtMs = atMs;
  sweepTimer = setTimeout(sweep, delayMs);
  Deno.unrefTimer(sweepTimer); // a lingering peer never keeps the process alive
}

/** Cuts off every transport past its time, then waits for the next one due. */
function sweep(): void {
  sweepTimer = null;
  sweepAtMs = Infinity;
  const nowMs = performance.now();
  let nextMs = Infinity;
  for (const [transport, cutOffMs] of lingering) {
    if (cutOffMs <= nowMs) {
      lingering.delete(transport);
      transport.destroy(); // its close handler below finds it gone already
    } else nextMs = Math.min(nextMs, cutOffMs);
  }
  if (nextMs !== Infinity) sweepBy(nextMs);
}

/**
 * Sends what is queued, then FIN, and lets the peer read it and close its
 * side; input meanwhile is discarded. A peer that has not closed within
 * `lingerMs` is cut off. Nothing here keeps a closed transport alive.
 * Resolves once the transport is closed (its descriptor given back).
 */
export function endWithLinger(transport: Transport, lingerMs: number): Promise<void> {
  if (transport.isDestroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const cutOffMs = performance.now() + lingerMs;
    lingering.set(transport, cutOffMs);
    sweepBy(cutOffMs);
    const ignore = () => {};
    transport.listen({
      data: ignore,
      end: ignore,
      drain: ignore,
      close: () => {
        // The sweep stays armed even with nobody left: the next closes would make it again.
        lingering.delete(transport);
        resolve();
      },
    });
    transport.end();
  });
}
