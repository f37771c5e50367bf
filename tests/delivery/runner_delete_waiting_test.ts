/**
 * `pillarbox queue delete` of a message waiting for a busy destination's
 * turn (an administrator cleaning spam out of a backlog): when the turn
 * comes to the deleted message, it must go on to the next one waiting, or
 * the destination runs one attempt short until its queue is rescanned.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Courier, DeliveryOutcome } from "../../src/delivery/mod.ts";
import { deleteQueueFile, type QueuedMessage, Spool } from "../../src/spool/mod.ts";
import { waitUntil } from "../e2e/harness.ts";
import { quiet, testRunner } from "./runner_fixture.ts";

/** Holds each attempt until the test lets that message go. */
class GatedCourier implements Courier {
  readonly started: string[] = [];
  readonly #gates = new Map<string, PromiseWithResolvers<void>>();
  async deliver(message: QueuedMessage, rcpts: readonly string[]) {
    const qid = message.envelope.qid;
    this.started.push(qid);
    await this.#gate(qid).promise;
    return new Map<string, DeliveryOutcome>(rcpts.map((rcpt) => [rcpt, { kind: "delivered" }]));
  }
  release(qid: string): void {
    this.#gate(qid).resolve();
  }
  #gate(qid: string): PromiseWithResolvers<void> {
    let gate = this.#gates.get(qid);
    if (!gate) this.#gates.set(qid, gate = Promise.withResolvers<void>());
    return gate;
  }
}

Deno.test("a turn that comes to a message deleted while it waited goes on to the next one waiting", async () => {
  const spoolDir = makeTestDir({ prefix: "pb-delete-waiting-" });
  const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
  const courier = new GatedCourier();
  // One turn for slow.test, and no rescan during the test to pick up a stranded message.
  const runner = testRunner(spool, courier, {
    spoolDir,
    perDomainConcurrency: 1,
    scanIntervalMs: 3_600_000,
  });
  const accept = () =>
    spool.accept({
      envelope: { from: "list@here.test", rcpts: ["bob@slow.test"], source: "smtp" },
      message: new TextEncoder().encode("Subject: t\r\n\r\nbody\r\n"),
    });
  try {
    await runner.start();
    const first = await accept();
    await waitUntil(() => courier.started.includes(first), 5_000, "the first attempt");
    const spam = await accept();
    const next = await accept();
    await waitUntil(
      () => runner.isWaitingForTurn(spam) && runner.isWaitingForTurn(next),
      5_000,
      "both set aside for slow.test's turn",
    );
    assert.equal(await deleteQueueFile(join(spool.msgDir, spam)), "deleted");
    courier.release(first);
    await waitUntil(
      () => courier.started.includes(next),
      5_000,
      "the message after the deleted one attempted",
    );
    assert.deepEqual(courier.started, [first, next]);
  } finally {
    for (const qid of courier.started) courier.release(qid);
    await runner.stop();
    await Deno.remove(spoolDir, { recursive: true });
  }
});
