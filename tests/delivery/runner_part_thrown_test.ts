/**
 * A message's remote parts run side by side (domain_parts.ts): one that
 * throws must not end the attempt while another is still in flight. If it
 * did, the message would be free for a new attempt (a `queue retry`, the
 * crash retry a minute later) that sends the still-running destination's
 * recipients a second copy, and that destination's turn would be given
 * back while its part still holds a connection.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Courier, DeliveryOutcome } from "../../src/delivery/mod.ts";
import { type QueuedMessage, requestWake, Spool } from "../../src/spool/mod.ts";
import { waitUntil } from "../e2e/harness.ts";
import { quiet, testRunner } from "./runner_fixture.ts";

const encoder = new TextEncoder();

/** broken.test throws at once; slow.test delivers when the test lets it. */
class ThrowingAndSlowCourier implements Courier {
  slowStarted = 0;
  brokenStarted = 0;
  readonly delivered: string[] = [];
  readonly #slow = Promise.withResolvers<void>();
  async deliver(message: QueuedMessage, rcpts: readonly string[]) {
    if (rcpts.some((rcpt) => rcpt.endsWith("@broken.test"))) {
      this.brokenStarted++;
      throw new Error("courier bug");
    }
    this.slowStarted++;
    await this.#slow.promise;
    for (const rcpt of rcpts) this.delivered.push(`${message.envelope.qid} ${rcpt}`);
    return new Map<string, DeliveryOutcome>(rcpts.map((rcpt) => [rcpt, { kind: "delivered" }]));
  }
  releaseSlow(): void {
    this.#slow.resolve();
  }
}

Deno.test("a part that throws leaves the attempt in flight until the message's other parts end", async () => {
  const spoolDir = makeTestDir({ prefix: "pb-part-thrown-" });
  const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
  const courier = new ThrowingAndSlowCourier();
  const runner = testRunner(spool, courier, { spoolDir });
  try {
    const qid = await spool.accept({
      envelope: { from: "a@here.test", rcpts: ["x@broken.test", "y@slow.test"], source: "smtp" },
      message: encoder.encode("Subject: t\r\n\r\nbody\r\n"),
    });
    await runner.start();
    await waitUntil(
      () => courier.brokenStarted === 1 && courier.slowStarted === 1,
      5_000,
      "both parts started",
    );
    // The broken part has thrown; slow.test's part is still in flight.
    assert.equal(runner.activeDeliveries, 1, "the attempt is still in flight");
    // `queue retry` now: the request is taken, and must not start a second attempt.
    await requestWake(spoolDir, qid);
    const request = join(spoolDir, "queue", "wake", qid);
    await waitUntil(() => !existsSync(request), 5_000, "the wake request taken");
    await waitUntil(() => courier.slowStarted > 1, 1_000, "a second attempt").catch(() => {});
    assert.equal(courier.slowStarted, 1, "slow.test's recipient is not attempted a second time");
    courier.releaseSlow();
    // The retry asked for comes after the attempt, for what is still pending: broken.test only.
    await waitUntil(
      () => courier.brokenStarted === 2 && runner.activeDeliveries === 0,
      5_000,
      "the retry after the attempt",
    );
    assert.equal(courier.slowStarted, 1, "what slow.test took was saved before the throw ended it");
    assert.deepEqual(courier.delivered, [`${qid} y@slow.test`], "one copy");
  } finally {
    courier.releaseSlow();
    await runner.stop();
    await Deno.remove(spoolDir, { recursive: true });
  }
});
