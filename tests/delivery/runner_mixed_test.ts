/**
 * A message for local and remote recipients: the local ones are written to
 * their mailboxes first, and that is on disk before the remote attempt
 * starts. A remote attempt may take minutes (a slow or tarpitting server);
 * a server stopped meanwhile (a stop forced after its grace period, a crash)
 * must not deliver the local copies a second time at the next attempt.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type Courier,
  type DeliveryOutcome,
  QueueStateStore,
  type RecipientState,
} from "../../src/delivery/mod.ts";
import { type QueuedMessage, Spool } from "../../src/spool/mod.ts";
import { quiet, SlowCourier, testRunner } from "./runner_fixture.ts";

const encoder = new TextEncoder();

/** Delivers at once and counts the copies per recipient. */
class CountingCourier implements Courier {
  readonly copies = new Map<string, number>();
  deliver(_message: QueuedMessage, rcpts: readonly string[]) {
    for (const rcpt of rcpts) this.copies.set(rcpt, (this.copies.get(rcpt) ?? 0) + 1);
    return Promise.resolve(
      new Map<string, DeliveryOutcome>(rcpts.map((rcpt) => [rcpt, { kind: "delivered" }])),
    );
  }
}

Deno.test("local recipients delivered before a slow remote attempt are recorded before it starts", async () => {
  const spoolDir = makeTestDir({ prefix: "pb-mixed-" });
  const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
  const local = new CountingCourier();
  const remote = new SlowCourier();
  const runner = testRunner(spool, remote, {
    spoolDir,
    local,
    isLocalDomain: (domain) => domain === "here.test",
  });
  try {
    const qid = await spool.accept({
      envelope: {
        from: "alice@here.test",
        rcpts: ["bob@here.test", "carol@far.test", "dave@here.test"],
        source: "smtp",
      },
      message: encoder.encode("Subject: mixed\r\n\r\nbody\r\n"),
    });
    await runner.start();
    await remote.started;
    // The server dies here, mid-attempt: what the next process reads is the state file.
    const text = await Deno.readTextFile(join(spoolDir, "queue", "state", qid)).catch(() => "{}");
    const saved = (JSON.parse(text) as { rcpts?: Record<string, RecipientState> }).rcpts ?? {};
    assert.equal(saved["bob@here.test"]?.status, "delivered", text);
    assert.equal(saved["dave@here.test"]?.status, "delivered", text);
    assert.equal(saved["carol@far.test"]?.status ?? "pending", "pending", text);
    const reloaded = new QueueStateStore({ spoolDir });
    const pending = Object.entries(
      reloaded.load(qid, ["bob@here.test", "carol@far.test", "dave@here.test"]).rcpts,
    ).filter(([, entry]) => entry.status === "pending").map(([rcpt]) => rcpt);
    assert.deepEqual(pending, ["carol@far.test"], "only the remote recipient is tried again");
    remote.finish();
    await runner.stop();
    assert.deepEqual([...local.copies], [["bob@here.test", 1], ["dave@here.test", 1]]);
    const after = JSON.parse(await Deno.readTextFile(join(spoolDir, "queue", "state", qid))) as {
      rcpts: Record<string, RecipientState>;
    };
    assert.equal(after.rcpts["bob@here.test"]?.attempts, 1, "one attempt counted, not two");
    assert.equal(after.rcpts["carol@far.test"]?.status, "pending");
    assert.equal(after.rcpts["carol@far.test"]?.attempts, 1);
  } finally {
    remote.finish();
    await runner.stop();
    await Deno.remove(spoolDir, { recursive: true });
  }
});
