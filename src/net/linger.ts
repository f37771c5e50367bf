/** Closing a transport politely, with a limit on the politeness. */
import type { Transport } from "./transport.ts";

/**
 * Sends what is queued, then FIN, and lets the peer read it and close its
 * side; input meanwhile is discarded. A peer that has not closed within
 * `lingerMs` is cut off. The timer goes with the transport, so it never
 * keeps a closed one alive. Resolves once the transport is closed (its
 * descriptor given back).
 */
export function endWithLinger(transport: Transport, lingerMs: number): Promise<void> {
  if (transport.isDestroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => transport.destroy(), lingerMs);
    Deno.unrefTimer(timer);
    const ignore = () => {};
    transport.listen({
      data: ignore,
      end: ignore,
      drain: ignore,
      close: () => {
        clearTimeout(timer);
        resolve();
      },
    });
    transport.end();
  });
}
