/**
 * Scheduling deferred messages costs the runner about the same per message
 * however long the queue is: it never walks every scheduled message to
 * schedule one more (a queue of 20,000 deferred messages cost 2.8 s of
 * CPU in such walks per retry round, growing with the square of the queue).
 * The test counts the steps of every Map iteration while the runner
 * defers a queue: a walk per message shows as steps growing with the square.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import type { Courier, DeliveryOutcome } from "../../src/delivery/mod.ts";
import { RetrySchedule } from "../../src/delivery/retry_schedule.ts";
import { type QueuedMessage, Spool } from "../../src/spool/mod.ts";
import { waitUntil } from "../e2e/harness.ts";
import { quiet, testRunner } from "./runner_fixture.ts";

const encoder = new TextEncoder();
const MESSAGES = 600;

/** A remote courier that defers everything. */
class DeferringCourier implements Courier {
  attempts = 0;
  deliver(_message: QueuedMessage, rcpts: readonly string[]) {
    this.attempts++;
    const outcome: DeliveryOutcome = { kind: "transient", reason: "try later", status: "4.4.1" };
    return Promise.resolve(new Map(rcpts.map((rcpt) => [rcpt, outcome])));
  }
}

/** Counts the steps of every Map iteration until the returned function is called. */
function countMapSteps(): { steps: () => number; restore: () => void } {
  let steps = 0;
  const proto = Map.prototype as unknown as Record<string | symbol, unknown>;
  const names = ["entries", "keys", "values", Symbol.iterator] as const;
  const originals = names.map((name) => proto[name] as (this: unknown) => Iterator<unknown>);
  names.forEach((name, i) => {
    const original = originals[i] as (this: unknown) => Iterator<unknown>;
    proto[name] = function (this: unknown) {
      const inner = original.call(this);
      const counted = {
        next: () => {
          steps++;
          return inner.next();
        },
        [Symbol.iterator]: () => counted,
      };
      return counted;
    };
  });
  return {
    steps: () => steps,
    restore: () => names.forEach((name, i) => proto[name] = originals[i]),
  };
}

Deno.test("the runner defers a long queue without walking the whole schedule per message", async () => {
  const spoolDir = makeTestDir({ prefix: "pb-schedule-" });
  const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
  const remote = new DeferringCourier();
  const runner = testRunner(spool, remote, {
    spoolDir,
    retryDelayMs: () => 3_600_000,
    scanIntervalMs: 3_600_000,
  });
  for (let i = 0; i < MESSAGES; i++) {
    await spool.accept({
      envelope: { from: "a@example.test", rcpts: [`r${i}@d${i}.far.test`], source: "smtp" },
      message: encoder.encode(`Subject: ${i}\r\n\r\nbody\r\n`),
    });
  }
  const counter = countMapSteps();
  try {
    await runner.start();
    await waitUntil(
      () => remote.attempts === MESSAGES && runner.activeDeliveries === 0,
      15_000,
      "every message attempted",
    );
    counter.restore();
    // Measured: 2,400 steps (4 per message, other bookkeeping). A walk of the whole
    // schedule per message made it 183,300 (some MESSAGES^2 / 2).
    assert.ok(
      counter.steps() < 40 * MESSAGES,
      `${counter.steps()} Map iteration steps to defer ${MESSAGES} messages`,
    );
  } finally {
    counter.restore();
    await runner.stop();
    await Deno.remove(spoolDir, { recursive: true });
  }
});

Deno.test("RetrySchedule hands out due messages earliest first, once, as last scheduled", () => {
  const schedule = new RetrySchedule();
  schedule.set("a", 300);
  schedule.set("b", 100);
  schedule.set("c", 200);
  schedule.set("a", 50); // rescheduled earlier
  schedule.set("d", 400);
  schedule.delete("d");
  schedule.set("e", 250);
  schedule.set("e", 500); // rescheduled later
  assert.equal(schedule.size, 4);
  assert.equal(schedule.earliestMs(), 50);
  assert.deepEqual(schedule.takeDue(49), []);
  assert.deepEqual(schedule.takeDue(250), ["a", "b", "c"]);
  assert.equal(schedule.has("a"), false);
  assert.equal(schedule.earliestMs(), 500);
  assert.deepEqual(schedule.takeDue(1_000), ["e"]);
  assert.equal(schedule.earliestMs(), null);
  assert.equal(schedule.size, 0);
});

Deno.test("RetrySchedule hands out only the last schedule of messages rescheduled many times", () => {
  const schedule = new RetrySchedule();
  for (let round = 0; round < 1_000; round++) {
    for (let i = 0; i < 10; i++) schedule.set(`q${i}`, round * 10 + i);
  }
  assert.equal(schedule.size, 10);
  assert.deepEqual(schedule.takeDue(9_989), []);
  assert.deepEqual(schedule.takeDue(Infinity), Array.from({ length: 10 }, (_, i) => `q${i}`));
});
