/**
 * Turns per domain in the runner: a message for several domains holds a turn
 * of each only while its part for that domain is in flight. A list message
 * to a healthy domain and to a tarpitting one must not keep the healthy
 * domain's turns for the minutes the tarpit takes.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import type { Courier, DeliveryOutcome } from "../../src/delivery/mod.ts";
import { type QueuedMessage, Spool } from "../../src/spool/mod.ts";
import { waitUntil } from "../e2e/harness.ts";
import { quiet, testRunner } from "./runner_fixture.ts";

const encoder = new TextEncoder();

/** Delivers to fast.test at once; slow.test answers only when the test lets it. */
class TwoSpeedCourier implements Courier {
  readonly delivered: string[] = [];
  slowStarted = 0;
  readonly #slow = Promise.withResolvers<void>();
  async deliver(message: QueuedMessage, rcpts: readonly string[]) {
    if (rcpts.some((rcpt) => rcpt.endsWith("@slow.test"))) {
      this.slowStarted++;
      await this.#slow.promise;
    }
    for (const rcpt of rcpts) this.delivered.push(`${message.envelope.qid} ${rcpt}`);
    return new Map<string, DeliveryOutcome>(rcpts.map((rcpt) => [rcpt, { kind: "delivered" }]));
  }
  releaseSlow(): void {
    this.#slow.resolve();
  }
}

Deno.test("messages stuck on a slow domain do not hold the turns of their other domain", async () => {
  const spoolDir = makeTestDir({ prefix: "pb-turns-" });
  const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
  const remote = new TwoSpeedCourier();
  // The default: 4 per domain. Four list messages fill slow.test's turns.
  const runner = testRunner(spool, remote, { spoolDir });
  const accept = (rcpts: string[]) =>
    spool.accept({
      envelope: { from: "list@here.test", rcpts, source: "smtp" },
      message: encoder.encode("Subject: t\r\n\r\nbody\r\n"),
    });
  try {
    await runner.start();
    for (let i = 0; i < 4; i++) await accept([`a${i}@fast.test`, `b${i}@slow.test`]);
    await waitUntil(() => remote.slowStarted === 4, 5_000, "four attempts stuck on slow.test");
    const newcomer = await accept(["solo@fast.test"]);
    await waitUntil(
      () =>
        remote.delivered.includes(`${newcomer} solo@fast.test`) ||
        runner.isWaitingForTurn(newcomer),
      5_000,
      "the newcomer delivered or set aside",
    );
    assert.ok(
      remote.delivered.includes(`${newcomer} solo@fast.test`),
      "mail for fast.test went while slow.test was still stalling",
    );
    for (let i = 0; i < 4; i++) {
      assert.ok(
        remote.delivered.some((line) => line.endsWith(` a${i}@fast.test`)),
        `a${i}@fast.test was delivered without waiting for slow.test`,
      );
    }
    assert.equal(remote.slowStarted, 4);
  } finally {
    remote.releaseSlow();
    await runner.stop();
    await Deno.remove(spoolDir, { recursive: true });
  }
});
