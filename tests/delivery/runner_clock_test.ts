/**
 * A next attempt further away than any backoff was set by a clock that was
 * ahead (set right since, by hand or NTP): the message is due within the
 * longest backoff, not when the wrong clock said. Otherwise it waits for that
 * day, past its queue lifetime, and its sender is never told.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import {
  type Courier,
  type DeliveryOutcome,
  initialState,
  longestRetryDelayMs,
  QueueStateStore,
  retryDelayMs,
} from "../../src/delivery/mod.ts";
import { type QueuedMessage, Spool } from "../../src/spool/mod.ts";
import { waitUntil } from "../e2e/harness.ts";
import { existsSync } from "node:fs";
import { quiet, testRunner } from "./runner_fixture.ts";

const encoder = new TextEncoder();
const YEAR_MS = 365 * 86_400_000;

class RecordingCourier implements Courier {
  attempted: string[] = [];
  deliver(message: QueuedMessage, rcpts: readonly string[]): Promise<Map<string, DeliveryOutcome>> {
    this.attempted.push(message.envelope.qid);
    return Promise.resolve(new Map(rcpts.map((rcpt) => [rcpt, { kind: "delivered" }])));
  }
}

Deno.test("a message whose next attempt a clock a year ahead set is attempted within the longest backoff", async () => {
  const spoolDir = makeTestDir({ prefix: "pb-clock-" });
  const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
  const states = new QueueStateStore({ spoolDir });
  await states.open();
  const qid = await spool.accept({
    envelope: { from: "a@example.test", rcpts: ["b@far.test"], source: "smtp" },
    message: encoder.encode("Subject: late\r\n\r\nbody\r\n"),
  });
  const state = initialState(["b@far.test"]);
  state.rcpts["b@far.test"]!.attempts = 3;
  state.nextAttemptMs = Date.now() + YEAR_MS;
  await states.save(qid, state);
  const courier = new RecordingCourier();
  const runner = testRunner(spool, courier, {
    spoolDir,
    retryDelayMs: () => 100,
    longestRetryDelayMs: 200,
  });
  try {
    await runner.start();
    await waitUntil(() => courier.attempted.length === 1, 5_000, "the attempt");
    assert.deepEqual(courier.attempted, [qid]);
  } finally {
    await runner.stop();
    await Deno.remove(spoolDir, { recursive: true });
  }
});

Deno.test("the longest retry delay bounds every delay the backoff gives", () => {
  for (const retryIntervalMs of [1_000, 1_800_000]) {
    for (const random of [() => 0, () => 0.5, () => 0.999999]) {
      for (const attempts of [1, 5, 40]) {
        const delayMs = retryDelayMs(attempts, { retryIntervalMs, retryMinMs: 60_000, random });
        assert.ok(delayMs <= longestRetryDelayMs({ retryIntervalMs }), `${delayMs}`);
      }
    }
  }
});

/** Transient on the first attempt, delivered after: the attempts it saw, in order. */
class FailsOnceCourier implements Courier {
  attempted: string[] = [];
  deliver(message: QueuedMessage, rcpts: readonly string[]): Promise<Map<string, DeliveryOutcome>> {
    this.attempted.push(message.envelope.qid);
    const outcome: DeliveryOutcome = this.attempted.length === 1
      ? { kind: "transient", reason: "451 4.3.0 later", status: "4.3.0" }
      : { kind: "delivered" };
    return Promise.resolve(new Map(rcpts.map((rcpt) => [rcpt, outcome])));
  }
}

Deno.test("a retry waiting in memory comes after its backoff although the clock was set back a year meanwhile", async () => {
  const spoolDir = makeTestDir({ prefix: "pb-clock-" });
  const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
  const courier = new FailsOnceCourier();
  let offsetMs = 0;
  const runner = testRunner(spool, courier, {
    spoolDir,
    now: () => Date.now() + offsetMs,
    retryDelayMs: () => 1_000,
    longestRetryDelayMs: 1_100,
  });
  try {
    await runner.start();
    const qid = await spool.accept({
      envelope: { from: "a@example.test", rcpts: ["b@far.test"], source: "smtp" },
      message: encoder.encode("Subject: stepped\r\n\r\nbody\r\n"),
    });
    await waitUntil(() => runner.scheduledCount === 1, 5_000, "the retry to be scheduled");
    offsetMs = -YEAR_MS; // NTP steps the clock back while the retry waits
    await waitUntil(() => courier.attempted.length === 2, 5_000, "the retry");
    assert.deepEqual(courier.attempted, [qid, qid]);
  } finally {
    await runner.stop();
    await Deno.remove(spoolDir, { recursive: true });
  }
});

/** Always deferred: what it saw, and the notices (messages from <>) it was given. */
class DeferringCourier implements Courier {
  notices: QueuedMessage[] = [];
  deliver(message: QueuedMessage, rcpts: readonly string[]): Promise<Map<string, DeliveryOutcome>> {
    if (message.envelope.from === "") {
      this.notices.push(message);
      return Promise.resolve(new Map(rcpts.map((rcpt) => [rcpt, { kind: "delivered" }])));
    }
    const outcome: DeliveryOutcome = {
      kind: "transient",
      reason: "451 4.3.0 later",
      status: "4.3.0",
    };
    return Promise.resolve(new Map(rcpts.map((rcpt) => [rcpt, outcome])));
  }
}

/** A message accepted by a clock a year ahead, attempted by a runner whose clock was set right. */
const AHEAD_CASES: {
  name: string;
  policy: { queueLifetimeMs: number; delayWarningMs: number };
  notice: RegExp;
  isRemoved: boolean;
}[] = [
  {
    name: "still expires after its queue lifetime",
    policy: { queueLifetimeMs: 300, delayWarningMs: 0 },
    notice: /Action: failed\r\nStatus: 4\.4\.7/,
    isRemoved: true,
  },
  {
    name: "still gets its delay notice after the delay warning",
    policy: { queueLifetimeMs: 3_600_000, delayWarningMs: 100 },
    notice: /Action: delayed\r\n/,
    isRemoved: false,
  },
];

for (const { name, policy, notice, isRemoved } of AHEAD_CASES) {
  Deno.test(`a message that arrived while the clock was a year ahead ${name}`, async () => {
    const spoolDir = makeTestDir({ prefix: "pb-clock-" });
    const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
    const courier = new DeferringCourier();
    // Accepted with the wrong clock (a year ahead); the runner runs after it was set right.
    const qid = await spool.accept({
      envelope: { from: "a@example.test", rcpts: ["b@far.test"], source: "smtp" },
      message: encoder.encode("Subject: stamped ahead\r\n\r\nbody\r\n"),
    });
    const runner = testRunner(spool, courier, {
      spoolDir,
      now: () => Date.now() - YEAR_MS,
      retryDelayMs: () => 50,
      longestRetryDelayMs: 60,
      policy,
    });
    try {
      await runner.start();
      await waitUntil(() => courier.notices.length === 1, 5_000, "the notice");
      assert.match(new TextDecoder().decode(courier.notices[0]!.bytes), notice);
      if (isRemoved) {
        await waitUntil(() => !existsSync(`${spool.msgDir}/${qid}`), 5_000, "the message removed");
      }
    } finally {
      await runner.stop();
      await Deno.remove(spoolDir, { recursive: true });
    }
  });
}
