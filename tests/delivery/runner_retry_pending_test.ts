/**
 * A retry goes only to the recipients still pending: one delivered at an
 * earlier attempt has its copy (RFC 5321 4.5.4.1 retries what was not
 * delivered; 6.1 asks for no duplicates), and one failed for good was
 * reported. Found by mutation testing of src/delivery/runner.ts: choosing
 * the recipients to attempt as "not failed" instead of "pending" left every
 * runner test green, and delivered a@ again at every retry of b@.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import type { Courier, DeliveryOutcome } from "../../src/delivery/mod.ts";
import { type QueuedMessage, Spool } from "../../src/spool/mod.ts";
import { waitUntil } from "../e2e/harness.ts";
import { quiet, testRunner } from "./runner_fixture.ts";

/** a@ is delivered, c@ refused for good, b@ deferred at its first attempt and delivered at its second. */
class CountingCourier implements Courier {
  readonly attemptsOf = new Map<string, number>();
  deliver(message: QueuedMessage, rcpts: readonly string[]) {
    const outcomes = new Map<string, DeliveryOutcome>();
    for (const rcpt of rcpts) {
      const attempts = (this.attemptsOf.get(rcpt) ?? 0) + 1;
      if (message.envelope.from !== "") this.attemptsOf.set(rcpt, attempts);
      if (rcpt.startsWith("c@")) {
        outcomes.set(rcpt, { kind: "permanent", reason: "550 5.1.1 no", status: "5.1.1" });
      } else if (rcpt.startsWith("b@") && attempts === 1) {
        outcomes.set(rcpt, { kind: "transient", reason: "451 4.3.0 later", status: "4.3.0" });
      } else outcomes.set(rcpt, { kind: "delivered" });
    }
    return Promise.resolve(outcomes);
  }
}

Deno.test("a retry attempts only the recipients still pending, not the delivered or failed ones", async () => {
  const spoolDir = makeTestDir({ prefix: "pb-retry-pending-" });
  const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
  const courier = new CountingCourier();
  const runner = testRunner(spool, courier, { spoolDir, retryDelayMs: () => 0 });
  try {
    const original = await spool.accept({
      envelope: {
        from: "alice@example.test",
        rcpts: ["a@far.test", "b@far.test", "c@far.test"],
        source: "smtp",
      },
      message: new TextEncoder().encode("Subject: hi\r\n\r\nbody\r\n"),
    });
    await runner.start();
    await waitUntil(() => courier.attemptsOf.get("b@far.test") === 2, 10_000, "b@'s retry");
    await runner.stop();
    assert.equal(await spool.exists(original), false, "finished");
    assert.deepEqual(Object.fromEntries(courier.attemptsOf), {
      "a@far.test": 1,
      "b@far.test": 2,
      "c@far.test": 1,
    });
  } finally {
    await runner.stop();
    await Deno.remove(spoolDir, { recursive: true });
  }
});
