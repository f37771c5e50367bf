/** Handing a connection's queued output to its transport. */
import type { Transport } from "./transport.ts";

/**
 * Writes `pending` in order with as few writes as it allows: one for a
 * single item or for replies that are all text (pipelined answers go out
 * in one segment), else one each.
 */
export function writeOut(transport: Transport, pending: readonly (string | Uint8Array)[]): void {
  if (pending.length === 1) transport.write(pending[0] as string | Uint8Array);
  else if (pending.every((item) => typeof item === "string")) transport.write(pending.join(""));
  else for (const item of pending) transport.write(item);
}

/** Writes `pending` in order and resolves once the transport has handed the last of it on. */
export function writeOutAndWait(
  transport: Transport,
  pending: readonly (string | Uint8Array)[],
): Promise<void> {
  if (transport.isDestroyed || pending.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    // Bytes go out as bytes: decoding them as UTF-8 would corrupt 8-bit content.
    const last = pending.length - 1;
    pending.forEach((item, i) => {
      if (i === last) transport.write(item, () => resolve());
      else transport.write(item);
    });
  });
}
