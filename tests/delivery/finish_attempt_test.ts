/**
 * An attempt's notices are committed by the save (or removal) that records
 * them; when that save fails, they are dropped unsent, and the next attempt
 * must send them. The state the failed save leaves in memory (the store
 * keeps it, see `QueueStateStore.save`) is what the next attempt goes by, so
 * it must not say "told" for notices that never went: the sender would never
 * hear of the failure (RFC 5321 6.1: a message that cannot be delivered MUST
 * be reported to its sender) or of the delay. Found by mutation testing: the
 * lines that undo "reported" and "delay notice sent" could be deleted with
 * every delivery test still passing, and so could the removal of a finished
 * message's state file, pinned here too.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { initialState, QueueStateStore } from "../../src/delivery/mod.ts";
import { Bouncer } from "../../src/delivery/bouncer.ts";
import { finishAttempt, type FinishContext } from "../../src/delivery/finish_attempt.ts";
import { LeftoverNotices } from "../../src/delivery/held_notices.ts";
import { Spool } from "../../src/spool/mod.ts";
import { quiet } from "./runner_fixture.ts";

const HOUR_MS = 3_600_000;

const cases: { name: string; rcpts: string[]; delayWarningMs: number; action: string }[] = [
  {
    name: "the failure notice",
    rcpts: ["a@far.test", "b@far.test"],
    delayWarningMs: 0,
    action: "failed",
  },
  { name: "the delay notice", rcpts: ["b@far.test"], delayWarningMs: HOUR_MS, action: "delayed" },
];

/** What finishing an attempt works with, over a fresh spool in `spoolDir`. */
async function finishContext(spoolDir: string, delayWarningMs: number): Promise<FinishContext> {
  const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
  const states = new QueueStateStore({ spoolDir });
  await states.open();
  return {
    spool,
    states,
    bouncer: new Bouncer({ spool, spoolDir, hostname: "mx.example.test", log: quiet }),
    policy: { queueLifetimeMs: 100 * HOUR_MS, delayWarningMs },
    log: quiet,
    retryDelayMs: () => 60_000,
    leftovers: new LeftoverNotices(),
    // Two hours after its arrival: past an hour's delay warning.
    now: () => Date.now() + 2 * HOUR_MS,
  };
}

for (const { name, rcpts, delayWarningMs, action } of cases) {
  Deno.test(`${name} of an attempt whose state save failed goes at the next attempt`, async () => {
    const spoolDir = makeTestDir({ prefix: "pb-finish-" });
    try {
      const context = await finishContext(spoolDir, delayWarningMs);
      const { spool, states } = context;
      const qid = await spool.accept({
        envelope: { from: "alice@example.test", rcpts, source: "smtp" },
        message: new TextEncoder().encode("Subject: hi\r\n\r\nbody\r\n"),
      });
      const message = await spool.read(qid);
      const state = initialState(rcpts);
      for (const [rcpt, entry] of Object.entries(state.rcpts)) {
        entry.attempts = 1;
        if (!rcpt.startsWith("a@")) continue;
        entry.status = "failed";
        entry.lastStatus = "5.1.1";
        entry.lastReason = "550 5.1.1 no such user";
      }
      // The save before the notice works; the one that would record it fails (a directory
      // planted where the state file goes makes its rename fail, as a disk error would).
      const save = states.save.bind(states);
      const obstacle = join(states.dir, qid);
      let saves = 0;
      states.save = async (id, saved) => {
        if (++saves === 2) {
          await Deno.remove(obstacle);
          await Deno.mkdir(join(obstacle, "in-the-way"), { recursive: true });
        }
        return await save(id, saved);
      };
      await assert.rejects(finishAttempt(context, { qid, message, state }));
      assert.deepEqual((await spool.list()).filter((id) => id !== qid), [], "no notice went");
      await Deno.remove(obstacle, { recursive: true });
      const next = states.load(qid, rcpts);
      assert.ok(await finishAttempt(context, { qid, message, state: next }), "still queued");
      const notices = (await spool.list()).filter((id) => id !== qid);
      assert.equal(notices.length, 1, "the next attempt sends the notice");
      const text = await Deno.readTextFile(`${spool.msgDir}/${notices[0]}`);
      assert.match(text, new RegExp(`Action: ${action}`));
      assert.deepEqual(await spool.listHeld(), [], "nothing is left held");
    } finally {
      await Deno.remove(spoolDir, { recursive: true });
    }
  });
}

Deno.test("a message finished at a retry leaves no state file behind", async () => {
  const spoolDir = makeTestDir({ prefix: "pb-finish-" });
  try {
    const context = await finishContext(spoolDir, 0);
    const { spool, states } = context;
    const qid = await spool.accept({
      envelope: { from: "alice@example.test", rcpts: ["b@far.test"], source: "smtp" },
      message: new TextEncoder().encode("Subject: hi\r\n\r\nbody\r\n"),
    });
    const message = await spool.read(qid);
    const state = initialState(["b@far.test"]);
    state.rcpts["b@far.test"]!.attempts = 1;
    assert.ok(await finishAttempt(context, { qid, message, state }), "deferred: tried again");
    assert.deepEqual(await states.list(), [qid], "the deferral is saved");
    state.rcpts["b@far.test"] = { status: "delivered", attempts: 2 };
    assert.equal(await finishAttempt(context, { qid, message, state }), null, "done");
    assert.equal(await spool.exists(qid), false);
    assert.deepEqual(await states.list(), [], "no state file for a message that is gone");
  } finally {
    await Deno.remove(spoolDir, { recursive: true });
  }
});
