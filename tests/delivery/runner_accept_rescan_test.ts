/**
 * A message is attempted only once its accept is over. The queue rescan (it
 * finds what other processes queue) used to see a message as soon as its
 * accept had linked it into queue/msg, while the accept still waited for the
 * folder's fsync, and attempted it then; the end of the accept then told the
 * runner the message was new (no state file to read), so it was attempted
 * again from its first state: a recipient the rescan's attempt had delivered
 * got a second copy. Found by a flaky test of waiting notices, whose list
 * message reached x@fast.test twice in 3 of 20 runs on a busy machine.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import type { Courier, DeliveryOutcome } from "../../src/delivery/mod.ts";
import { type QueuedMessage, Spool } from "../../src/spool/mod.ts";
import { waitUntil } from "../e2e/harness.ts";
import { quiet, testRunner } from "./runner_fixture.ts";

/** fast.test takes its mail, down.test defers it; every recipient handed over is noted. */
class SplitCourier implements Courier {
  readonly handedOver: string[] = [];
  deliver(_message: QueuedMessage, rcpts: readonly string[]) {
    this.handedOver.push(...rcpts);
    const outcome = (rcpt: string): DeliveryOutcome =>
      rcpt.endsWith("@fast.test")
        ? { kind: "delivered" }
        : { kind: "transient", reason: "451 4.4.1 not now", status: "4.4.1" };
    return Promise.resolve(new Map(rcpts.map((rcpt) => [rcpt, outcome(rcpt)])));
  }
}

type Sync = (this: Deno.FsFile) => Promise<void>;

/** Holds the fsyncs of directory `dir` until `release()`; `isHolding` once one waits. */
function holdDirSyncs(dir: string) {
  const ino = Deno.statSync(dir).ino;
  const proto = Deno.FsFile.prototype as unknown as { sync: Sync };
  const original = proto.sync;
  const gate = Promise.withResolvers<void>();
  const held = { isHolding: false, release: () => gate.resolve(), restore: () => {} };
  proto.sync = async function (this: Deno.FsFile) {
    if (this.statSync().ino === ino) {
      held.isHolding = true;
      await gate.promise;
    }
    return await original.call(this);
  };
  held.restore = () => proto.sync = original;
  return held;
}

Deno.test("a message the queue rescan could see before its accept was over reaches each recipient once", async () => {
  const spoolDir = makeTestDir({ prefix: "pb-accept-rescan-" });
  const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
  const courier = new SplitCourier();
  const runner = testRunner(spool, courier, { spoolDir, scanIntervalMs: 20 });
  let rescans = 0;
  const list = spool.list.bind(spool);
  spool.list = () => {
    rescans++;
    return list();
  };
  await runner.start();
  const held = holdDirSyncs(spool.msgDir);
  try {
    const accepting = spool.accept({
      envelope: { from: "a@here.test", rcpts: ["x@fast.test", "y@down.test"], source: "smtp" },
      message: new TextEncoder().encode("Subject: once\r\n\r\nbody\r\n"),
    });
    await waitUntil(() => held.isHolding, 5_000, "the accept's fsync of queue/msg");
    // Linked into queue/msg, not yet durable there: rescans come and go meanwhile.
    const before = rescans;
    await waitUntil(() => rescans >= before + 3, 5_000, "three rescans during the accept");
    await waitUntil(() => runner.activeDeliveries === 0, 5_000, "any attempt they began");
    held.release();
    await accepting;
    await waitUntil(
      () => courier.handedOver.includes("y@down.test") && runner.activeDeliveries === 0,
      5_000,
      "the attempt after the accept",
    );
    assert.deepEqual(courier.handedOver.filter((rcpt) => rcpt === "x@fast.test"), [
      "x@fast.test",
    ]);
  } finally {
    held.release();
    held.restore();
    await runner.stop();
  }
});
