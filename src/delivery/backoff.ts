/**
 * Retry schedule: `retryMinMs` (default 1 minute), doubling, capped at the
 * steady interval, with ±10% jitter so a restart does not retry the whole
 * queue in one burst.
 */
export function retryDelayMs(
  attempts: number,
  options: { retryIntervalMs: number; retryMinMs?: number; random?: () => number },
): number {
  const firstMs = options.retryMinMs ?? 60_000;
  const base = Math.min(firstMs * 2 ** Math.max(0, attempts - 1), options.retryIntervalMs);
  const jitter = 0.9 + 0.2 * (options.random ?? Math.random)();
  return Math.round(base * jitter);
}

/** The longest delay `retryDelayMs` gives with these options: the steady interval plus its jitter. */
export function longestRetryDelayMs(options: { retryIntervalMs: number }): number {
  return Math.round(options.retryIntervalMs * 1.1);
}
