/**
 * Wake requests: `queue retry --all` leaves one request, `queue/wake/all`,
 * and the runner makes every queued message due, whether it was running when
 * the request came or starts after it.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import {
  type Courier,
  type DeliveryOutcome,
  DeliveryRunner,
  initialState,
  QueueStateStore,
} from "../../src/delivery/mod.ts";
import { type QueuedMessage, requestWake, Spool, WAKE_ALL } from "../../src/spool/mod.ts";
import { waitUntil } from "../e2e/harness.ts";
import { quiet, testRunner } from "./runner_fixture.ts";

const encoder = new TextEncoder();

/** Records each attempt and defers it an hour (so nothing is due again by itself). */
class DeferringCourier implements Courier {
  attempted: string[] = [];
  deliver(message: QueuedMessage, rcpts: readonly string[]): Promise<Map<string, DeliveryOutcome>> {
    this.attempted.push(message.envelope.qid);
    return Promise.resolve(
      new Map(rcpts.map((rcpt) => [rcpt, { kind: "transient", reason: "later", status: "4.0.0" }])),
    );
  }
}

/** Three queued messages, each deferred an hour ago with its next attempt an hour away. */
async function deferredQueue(): Promise<{ spoolDir: string; spool: Spool; qids: string[] }> {
  const spoolDir = makeTestDir({ prefix: "pb-wake-" });
  const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
  const states = new QueueStateStore({ spoolDir });
  await states.open();
  const qids: string[] = [];
  for (const tag of ["one", "two", "three"]) {
    const qid = await spool.accept({
      envelope: { from: "a@example.test", rcpts: [`${tag}@far.test`], source: "smtp" },
      message: encoder.encode(`Subject: ${tag}\r\n\r\nbody\r\n`),
    });
    const state = initialState([`${tag}@far.test`]);
    state.nextAttemptMs = Date.now() + 3_600_000;
    await states.save(qid, state);
    qids.push(qid);
  }
  return { spoolDir, spool, qids };
}

function runnerFor(spool: Spool, spoolDir: string, courier: Courier): DeliveryRunner {
  return testRunner(spool, courier, { spoolDir, retryDelayMs: () => 3_600_000 });
}

for (const when of ["before the runner starts", "while the runner runs"] as const) {
  Deno.test(`one "all" wake request ${when} makes every deferred message due`, async () => {
    const { spoolDir, spool, qids } = await deferredQueue();
    const courier = new DeferringCourier();
    const runner = runnerFor(spool, spoolDir, courier);
    try {
      if (when === "before the runner starts") await requestWake(spoolDir, WAKE_ALL);
      await runner.start();
      if (when === "while the runner runs") {
        assert.deepEqual(courier.attempted, [], "nothing is due by itself");
        await requestWake(spoolDir, WAKE_ALL);
      }
      await waitUntil(() => courier.attempted.length === 3, 5_000, "three attempts");
      assert.deepEqual([...courier.attempted].sort(), [...qids].sort());
      assert.deepEqual([...Deno.readDirSync(`${spoolDir}/queue/wake`)], [], "the request is taken");
    } finally {
      await runner.stop();
      await Deno.remove(spoolDir, { recursive: true });
    }
  });
}

Deno.test("a wake request that comes during an attempt of the message is answered by another attempt when it ends", async () => {
  // The administrator fixed the remote side and runs `queue retry QID` while an attempt that
  // began before the fix is still waiting (a connect timeout): that attempt's deferral must not
  // put the message off for the whole retry interval.
  const spoolDir = makeTestDir({ prefix: "pb-wake-" });
  const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
  const attempted: string[] = [];
  const release = Promise.withResolvers<void>();
  const started = [Promise.withResolvers<void>(), Promise.withResolvers<void>()];
  const courier: Courier = {
    deliver: async (message, rcpts) => {
      started[attempted.length]?.resolve();
      attempted.push(message.envelope.qid);
      await release.promise;
      const outcome: DeliveryOutcome = { kind: "transient", reason: "later", status: "4.0.0" };
      return new Map(rcpts.map((rcpt) => [rcpt, outcome]));
    },
  };
  const runner = runnerFor(spool, spoolDir, courier);
  try {
    await runner.start();
    const qid = await spool.accept({
      envelope: { from: "a@example.test", rcpts: ["bob@far.test"], source: "smtp" },
      message: encoder.encode("Subject: hi\r\n\r\nbody\r\n"),
    });
    await started[0]!.promise;
    await requestWake(spoolDir, qid);
    const request = `${spoolDir}/queue/wake/${qid}`;
    await waitUntil(() => !existsSync(request), 5_000, "the runner to take the request");
    release.resolve(); // the first attempt ends in a deferral of an hour
    await waitUntil(() => attempted.length === 2, 5_000, "the attempt the request asked for");
    assert.deepEqual(attempted, [qid, qid]);
  } finally {
    release.resolve();
    await runner.stop();
    await Deno.remove(spoolDir, { recursive: true });
  }
});

function existsSync(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
