/**
 * The retry schedule the README promises: the first retry after --retry-min,
 * each later one twice as far, up to --retry-interval, jitter aside (RFC
 * 5321 4.5.4.1 leaves the strategy to the client, with 30 minutes as the
 * usual steady interval). Found by mutation testing of
 * src/delivery/backoff.ts: counting the doubling from the first attempt
 * (a first retry after 2 minutes, not 1) left every delivery test green.
 */
import assert from "node:assert/strict";
import { retryDelayMs } from "../../src/delivery/mod.ts";

Deno.test("retryDelayMs(): --retry-min after the first attempt, doubling, capped at --retry-interval", () => {
  const options = { retryIntervalMs: 30 * 60_000, retryMinMs: 60_000, random: () => 0.5 };
  const minutes = [1, 2, 3, 4, 5, 6, 7].map((attempts) => retryDelayMs(attempts, options) / 60_000);
  assert.deepEqual(minutes, [1, 2, 4, 8, 16, 30, 30]);
});
