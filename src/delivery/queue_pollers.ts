/**
 * The runner's periodic look at the spool (wake requests, the queue rescan):
 * a round still running when the next is due skips that one, so a slow scan
 * of a long queue never runs twice at once.
 */
import type { Logger } from "../log/mod.ts";

/** Runs `task` every `intervalMs` until `isStopped`, one round at a time; failures are logged. */
export function pollWithoutOverlap(
  intervalMs: number,
  task: () => Promise<void>,
  options: { isStopped: () => boolean; log: Logger },
): ReturnType<typeof setInterval> {
  let isRunning = false;
  return setInterval(() => {
    if (isRunning || options.isStopped()) return;
    isRunning = true;
    task().catch((error: unknown) =>
      options.log.error("queue.scan_failed", {
        error: error instanceof Error ? error.message : String(error),
      })
    ).finally(() => isRunning = false);
  }, intervalMs);
}
