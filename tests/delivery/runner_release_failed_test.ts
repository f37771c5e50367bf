/**
 * A held notice whose release failed (the disk said no once) is let go
 * before its message's next attempt, so the next notice of the same kind
 * does not collide with it on the held name (which made every later attempt
 * end in delivery.crash until a restart), and neither notice is lost.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Courier, DeliveryOutcome } from "../../src/delivery/mod.ts";
import { Logger } from "../../src/log/mod.ts";
import { type QueuedMessage, Spool } from "../../src/spool/mod.ts";
import { waitUntil } from "../e2e/harness.ts";
import { testRunner } from "./runner_fixture.ts";

const encoder = new TextEncoder();

/**
 * First attempt: a@ fails for good, b@ is deferred; second attempt: b@ fails
 * for good. Notices (from <>) are delivered and kept.
 */
class TwoPassCourier implements Courier {
  readonly notices: string[] = [];
  #attempts = 0;
  deliver(message: QueuedMessage, rcpts: readonly string[]) {
    const outcomes = new Map<string, DeliveryOutcome>();
    if (message.envelope.from === "") {
      this.notices.push(message.envelope.qid);
      for (const rcpt of rcpts) outcomes.set(rcpt, { kind: "delivered" });
      return Promise.resolve(outcomes);
    }
    this.#attempts++;
    for (const rcpt of rcpts) {
      const isDeferred = rcpt.startsWith("b@") && this.#attempts === 1;
      outcomes.set(
        rcpt,
        isDeferred
          ? { kind: "transient", reason: "451 4.3.0 later", status: "4.3.0" }
          : { kind: "permanent", reason: "550 5.1.1 no such user", status: "5.1.1" },
      );
    }
    return Promise.resolve(outcomes);
  }
}

Deno.test("a notice whose release failed goes before its message's next notice of that kind, which no longer collides with it", async () => {
  const spoolDir = makeTestDir({ prefix: "pb-release-" });
  const events: string[] = [];
  const log = new Logger({
    level: "info",
    format: "text",
    sink: (line) => events.push(line.split(" ").find((word) => /^event=/.test(word)) ?? line),
  });
  const spool = await Spool.open({ spoolDir, log, spareFiles: 0 });
  // The first release meets a directory planted under the notice's queue id: the rename fails.
  const release = spool.release.bind(spool);
  let releases = 0;
  spool.release = async (heldName: string, qid: string) => {
    if (++releases > 1) return await release(heldName, qid);
    const planted = join(spool.msgDir, qid);
    await Deno.mkdir(join(planted, "in-the-way"), { recursive: true });
    try {
      return await release(heldName, qid);
    } finally {
      await Deno.remove(planted, { recursive: true });
    }
  };
  const courier = new TwoPassCourier();
  const runner = testRunner(spool, courier, { spoolDir, log, retryDelayMs: () => 0 });
  try {
    const original = await spool.accept({
      envelope: { from: "alice@example.test", rcpts: ["a@far.test", "b@far.test"], source: "smtp" },
      message: encoder.encode("Subject: hi\r\n\r\nbody\r\n"),
    });
    await runner.start();
    await waitUntil(
      () => courier.notices.length === 2 || events.some((e) => e.includes("delivery.crash")),
      5_000,
      "both notices delivered, or a crash",
    );
    assert.ok(events.some((e) => e.includes("notice.release_failed")), "the first release failed");
    assert.deepEqual(events.filter((e) => e.includes("delivery.crash")), []);
    assert.equal(courier.notices.length, 2, "one notice for each failure");
    await runner.stop();
    assert.deepEqual(await spool.listHeld(), [], "nothing is left held");
    assert.equal(await spool.exists(original), false, "the original is finished");
  } finally {
    await runner.stop();
    await Deno.remove(spoolDir, { recursive: true });
  }
});
