/**
 * A message that is gone by the time its attempt comes (`queue delete` of a
 * deferred message, whose retry timer still fires) leaves nothing behind in
 * the runner: a server that runs for months sees many such messages.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { runQueueCommand } from "../../src/app/queue_command.ts";
import { loadConfig } from "../../src/config/mod.ts";
import { encodeEnvelopeLine, Spool } from "../../src/spool/mod.ts";
import { waitUntil } from "../e2e/harness.ts";
import { quiet, SlowCourier, testRunner } from "./runner_fixture.ts";

async function queueMessage(spool: Spool, qid: string): Promise<void> {
  const envelope = {
    qid,
    from: "alice@example.test",
    rcpts: ["bob@far.test"],
    arrivalMs: Date.now(),
    source: "smtp" as const,
  };
  const body = new TextEncoder().encode("Subject: hi\r\n\r\nbody\r\n");
  await Deno.writeFile(
    join(spool.msgDir, qid),
    new Uint8Array([...encodeEnvelopeLine(envelope), ...body]),
  );
}

Deno.test("attempts of messages deleted meanwhile leave no state behind in the runner", async () => {
  const spoolDir = makeTestDir({ prefix: "pb-forget-" });
  const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
  const courier = new SlowCourier();
  courier.finish(); // every attempt is deferred at once
  const runner = testRunner(spool, courier, { spoolDir });
  try {
    await queueMessage(spool, "q0kept");
    await runner.start();
    await waitUntil(() => runner.activeDeliveries === 0);
    const before = runner.rememberedStates;
    // Deferred messages deleted by the operator: their retry timers still fire.
    const config = loadConfig([`--spool-dir=${spoolDir}`, "--hostname=mx.test"]).config;
    for (let i = 0; i < 50; i++) {
      const qid = `q${i}gone`;
      await queueMessage(spool, qid);
      runner.enqueue(qid);
      await waitUntil(() => runner.activeDeliveries === 0);
      const status = await runQueueCommand(["delete", qid], {
        config,
        out: () => {},
        err: () => {},
      });
      assert.equal(status, 0);
      runner.enqueue(qid); // its retry comes
    }
    await waitUntil(() => runner.activeDeliveries === 0);
    assert.equal(runner.rememberedStates, before);
  } finally {
    await runner.stop();
    await Deno.remove(spoolDir, { recursive: true });
  }
});
