/**
 * Held notices left by a crash are settled at start by what the original's
 * state file says, read as the runner reads it (`QueueStateStore.load`): a
 * notice is let go exactly when the runner would not send it again, so a
 * damaged state file can make a notice neither vanish nor come twice, and
 * never leaves it held (where the next notice of its kind collides with it).
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { QueueStateStore } from "../../src/delivery/mod.ts";
import { heldNoticeName } from "../../src/delivery/bouncer.ts";
import { settleHeldNotices } from "../../src/delivery/held_notices.ts";
import { Spool } from "../../src/spool/mod.ts";
import { quiet } from "./runner_fixture.ts";

const encoder = new TextEncoder();
const REPORTED = { status: "failed", attempts: 1, lastStatus: "5.1.1", isReported: true };
const UNREPORTED = { status: "failed", attempts: 1, lastStatus: "5.1.1" };
const DELIVERED = { status: "delivered", attempts: 1 };

const cases: {
  name: string;
  kind: "failed" | "delayed";
  /** The state file's text; null for none. */
  state: string | null;
  expected: "released" | "dropped";
}[] = [
  {
    name: "a failure notice the state records is let go",
    kind: "failed",
    state: JSON.stringify({ rcpts: { "a@far.test": REPORTED, "b@far.test": DELIVERED } }),
    expected: "released",
  },
  {
    name: "a failure notice the state does not record yet is dropped (the runner sends it again)",
    kind: "failed",
    state: JSON.stringify({ rcpts: { "a@far.test": UNREPORTED, "b@far.test": DELIVERED } }),
    expected: "dropped",
  },
  {
    name: "a notice without a state file is dropped (every recipient is tried again)",
    kind: "failed",
    state: null,
    expected: "dropped",
  },
  {
    name: "a notice whose state file is not JSON is dropped (every recipient is tried again)",
    kind: "delayed",
    state: '{"rcpts":{"a@far.te',
    expected: "dropped",
  },
  {
    name: "a null recipient entry (pending to the runner) does not leave a recorded notice held",
    kind: "failed",
    state: JSON.stringify({ rcpts: { "a@far.test": REPORTED, "b@far.test": null } }),
    expected: "released",
  },
  {
    name: "an entry for an address the message does not have (the runner ignores it) does not " +
      "drop a recorded notice, which the runner would never send again",
    kind: "failed",
    state: JSON.stringify({
      rcpts: { "a@far.test": REPORTED, "b@far.test": DELIVERED, "ghost@far.test": UNREPORTED },
    }),
    expected: "released",
  },
  {
    name: "a delay notice the state records in a way the runner takes as sent is let go",
    kind: "delayed",
    state: JSON.stringify({
      rcpts: { "a@far.test": { status: "pending", attempts: 2 } },
      isDelayNoticeSent: 1,
    }),
    expected: "released",
  },
];

for (const { name, kind, state, expected } of cases) {
  Deno.test(`settling held notices at start: ${name}`, async () => {
    const spoolDir = makeTestDir({ prefix: "pb-held-" });
    try {
      const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
      const states = new QueueStateStore({ spoolDir });
      await states.open();
      const original = await spool.accept({
        envelope: {
          from: "alice@example.test",
          rcpts: ["a@far.test", "b@far.test"],
          source: "smtp",
        },
        message: encoder.encode("Subject: hi\r\n\r\nbody\r\n"),
      });
      const heldName = heldNoticeName(original, kind);
      const dsn = await spool.accept({
        heldName,
        envelope: { from: "", rcpts: ["alice@example.test"], source: "bounce", isBounce: true },
        message: encoder.encode("Subject: notice\r\n\r\nbody\r\n"),
      });
      if (state !== null) await Deno.writeTextFile(join(states.dir, original), state);
      const told: string[] = [];
      spool.onAccepted((qid) => told.push(qid));
      const settled = await settleHeldNotices({ spool, states, log: quiet });
      assert.deepEqual(
        settled,
        expected === "released" ? { released: 1, dropped: 0 } : { released: 0, dropped: 1 },
      );
      assert.deepEqual(await spool.listHeld(), [], "nothing is left held");
      const queued = (await spool.list()).filter((qid) => qid !== original);
      assert.deepEqual(queued, expected === "released" ? [dsn] : []);
      assert.deepEqual(told, expected === "released" ? [dsn] : []);
    } finally {
      await Deno.remove(spoolDir, { recursive: true });
    }
  });
}
