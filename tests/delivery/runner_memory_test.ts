/**
 * The runner holds at most its memory budget of big messages at once; the
 * others wait without a runner slot (small mail goes on), and each gets its
 * turn as room is given back.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import {
  type Courier,
  type DeliveryOutcome,
  initialState,
  QueueStateStore,
} from "../../src/delivery/mod.ts";
import { type QueuedMessage, requestWake, Spool } from "../../src/spool/mod.ts";
import { waitUntil } from "../e2e/harness.ts";
import { quiet, testRunner } from "./runner_fixture.ts";

const MB = 1024 * 1024;

/** Holds every delivery open until the test lets it finish; records the peak of bytes held. */
class HoldingCourier implements Courier {
  attempted: string[] = [];
  heldBytes = 0;
  maxHeldBytes = 0;
  #open: (() => void)[] = [];
  deliver(message: QueuedMessage, rcpts: readonly string[]): Promise<Map<string, DeliveryOutcome>> {
    this.attempted.push(
      new TextDecoder().decode(
        message.bytes.subarray(message.messageOffset, message.messageOffset + 20),
      ),
    );
    this.heldBytes += message.bytes.length;
    this.maxHeldBytes = Math.max(this.maxHeldBytes, this.heldBytes);
    const done = new Map<string, DeliveryOutcome>(
      rcpts.map((rcpt) => [rcpt, { kind: "delivered" }]),
    );
    return new Promise((resolve) =>
      this.#open.push(() => {
        this.heldBytes -= message.bytes.length;
        resolve(done);
      })
    );
  }
  finishAll(): void {
    for (const finish of this.#open.splice(0)) finish();
  }
}

function messageOf(tag: string, bytes: number): Uint8Array {
  const text = `Subject: ${tag.padEnd(11)}\r\n\r\n`;
  const out = new Uint8Array(Math.max(bytes, text.length)).fill(0x61);
  out.set(new TextEncoder().encode(text));
  return out;
}

Deno.test("big messages wait for memory without holding up small ones, and all get delivered", async () => {
  const spoolDir = makeTestDir({ prefix: "pb-memory-" });
  const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
  for (
    const [tag, bytes] of [["big-1", MB], ["big-2", MB], ["big-3", MB], ["small", 2000]] as const
  ) {
    await spool.accept({
      envelope: { from: "a@example.test", rcpts: [`x@${tag}.test`], source: "smtp" },
      message: messageOf(tag, bytes),
    });
  }
  const courier = new HoldingCourier();
  const runner = testRunner(spool, courier, { spoolDir, maxInFlightMessageBytes: 1.5 * MB });
  try {
    await runner.start();
    await waitUntil(() => courier.attempted.length === 2, 5_000, "one big and the small one");
    assert.equal(courier.attempted.filter((tag) => tag.includes("big")).length, 1);
    assert.ok(courier.attempted.some((tag) => tag.includes("small")), "small mail is not held up");
    for (let round = 3; round <= 4; round++) {
      courier.finishAll();
      await waitUntil(() => courier.attempted.length === round, 5_000, `attempt ${round}`);
    }
    courier.finishAll();
    await waitUntil(() => [...Deno.readDirSync(spool.msgDir)].length === 0, 5_000, "all delivered");
    assert.ok(courier.maxHeldBytes < 1.5 * MB, `held ${courier.maxHeldBytes} bytes at once`);
  } finally {
    courier.finishAll();
    await runner.stop();
    await Deno.remove(spoolDir, { recursive: true });
  }
});

Deno.test("big messages asked for by queue retry stay due while they wait for memory", async () => {
  // Found by mutation testing of src/delivery/runner.ts: without the line that keeps the
  // request of a message set aside for memory, the second waited for its next attempt
  // (an hour) although `queue retry` asked for it now.
  const spoolDir = makeTestDir({ prefix: "pb-memory-" });
  const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
  const states = new QueueStateStore({ spoolDir });
  await states.open();
  for (const tag of ["big-1", "big-2"]) {
    const qid = await spool.accept({
      envelope: { from: "a@example.test", rcpts: [`x@${tag}.test`], source: "smtp" },
      message: messageOf(tag, MB),
    });
    // Deferred before, the next attempt an hour away, then `queue retry --all`.
    const state = initialState([`x@${tag}.test`]);
    state.nextAttemptMs = Date.now() + 3_600_000;
    await states.save(qid, state);
    await requestWake(spoolDir, qid);
  }
  const courier = new HoldingCourier();
  const runner = testRunner(spool, courier, { spoolDir, maxInFlightMessageBytes: 1.5 * MB });
  try {
    await runner.start();
    await waitUntil(() => courier.attempted.length === 1, 5_000, "the first big one");
    courier.finishAll();
    await waitUntil(() => courier.attempted.length === 2, 5_000, "the second, once room is back");
    courier.finishAll();
    assert.deepEqual(courier.attempted.map((tag) => tag.slice(9, 14)).sort(), ["big-1", "big-2"]);
  } finally {
    courier.finishAll();
    await runner.stop();
    await Deno.remove(spoolDir, { recursive: true });
  }
});
