/**
 * `pillarbox queue delete QID` while the server is attempting that message:
 * the command's contract is "removes the message and its state without a
 * bounce", so however the attempt ends, no notice goes out for it and no
 * state file is left for a message that no longer exists.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { runQueueCommand } from "../../src/app/queue_command.ts";
import { loadConfig } from "../../src/config/mod.ts";
import type { DeliveryOutcome } from "../../src/delivery/mod.ts";
import { encodeEnvelopeLine, Spool } from "../../src/spool/mod.ts";
import { quiet, SlowCourier, testRunner } from "./runner_fixture.ts";

const HOUR_MS = 3_600_000;

const cases: { name: string; outcome: DeliveryOutcome; delayWarningMs: number; from?: string }[] = [
  {
    name: "ends in a permanent failure of a message from <>: nothing is set aside in failed/",
    outcome: { kind: "permanent", reason: "550 5.1.1 no such user", status: "5.1.1" },
    delayWarningMs: 0,
    from: "",
  },
  {
    name: "ends in a permanent failure: no bounce goes out",
    outcome: { kind: "permanent", reason: "550 5.1.1 no such user", status: "5.1.1" },
    delayWarningMs: 0,
  },
  {
    name: "ends in a deferral past the delay warning: no delay notice goes out",
    outcome: { kind: "transient", reason: "451 4.3.0 try later", status: "4.3.0" },
    delayWarningMs: HOUR_MS,
  },
  {
    name: "ends in a deferral: no state file is left",
    outcome: { kind: "transient", reason: "451 4.3.0 try later", status: "4.3.0" },
    delayWarningMs: 0,
  },
];

/** Queued two hours ago, so an hour's delay warning is due at its attempt. */
async function queueOld(spool: Spool, qid: string, from = "alice@example.test"): Promise<void> {
  const envelope = {
    qid,
    from,
    rcpts: ["bob@far.test"],
    arrivalMs: Date.now() - 2 * HOUR_MS,
    source: "smtp" as const,
  };
  const body = new TextEncoder().encode("Subject: hi\r\n\r\nbody\r\n");
  await Deno.writeFile(
    join(spool.msgDir, qid),
    new Uint8Array([...encodeEnvelopeLine(envelope), ...body]),
  );
}

/** What `queue delete` prints for a message an attempt holds: too late to stop its delivery. */
function inFlightLine(qid: string): string {
  return `${qid} deleted, during a delivery attempt: recipients that attempt reaches keep their ` +
    "copy; no notice goes to the sender";
}

/** Runs `queue delete qid` and returns what it printed (it must succeed). */
async function deleteCommand(spoolDir: string, qid: string): Promise<string[]> {
  const err: string[] = [];
  const out: string[] = [];
  const status = await runQueueCommand(["delete", qid], {
    config: loadConfig([`--spool-dir=${spoolDir}`, "--hostname=mx.test"]).config,
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  });
  assert.equal(status, 0, err.join("\n"));
  return out;
}

function assertNothingLeft(spoolDir: string): void {
  const left = (dir: string) =>
    [...Deno.readDirSync(join(spoolDir, "queue", dir))].map((entry) => entry.name);
  assert.deepEqual(left("msg"), [], "no notice, held or released, for a deleted message");
  assert.deepEqual(left("state"), [], "no state file for a deleted message");
  let failed: string[] = [];
  try {
    failed = [...Deno.readDirSync(join(spoolDir, "failed"))].map((entry) => entry.name);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  assert.deepEqual(failed, [], "nothing set aside (not even a reason) for a deleted message");
}

for (const { name, outcome, delayWarningMs, from } of cases) {
  Deno.test(`queue delete during a delivery attempt that ${name}`, async () => {
    const spoolDir = makeTestDir({ prefix: "pb-delete-" });
    const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
    const qid = "q0deleted";
    await queueOld(spool, qid, from);
    const courier = new SlowCourier(outcome);
    const runner = testRunner(spool, courier, {
      spoolDir,
      policy: { queueLifetimeMs: 5 * 24 * HOUR_MS, delayWarningMs },
    });
    try {
      await runner.start();
      await courier.started;
      // The remote may have the message by now: the administrator is told so.
      assert.deepEqual(await deleteCommand(spoolDir, qid), [inFlightLine(qid)]);
      courier.finish();
      await runner.stop(); // waits for the attempt to end
      assertNothingLeft(spoolDir);
    } finally {
      courier.finish(); // a failed assertion must not leave the attempt waiting for ever
      await runner.stop();
      await Deno.remove(spoolDir, { recursive: true });
    }
  });

  if (delayWarningMs === 0 && outcome.kind === "transient") continue; // no notice to write
  if (from === "") continue; // no notice for a message from <>
  Deno.test(`queue delete, while the notice is being written, of an attempt that ${name}`, async () => {
    const spoolDir = makeTestDir({ prefix: "pb-delete-" });
    const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
    const qid = "q1deleted";
    await queueOld(spool, qid);
    const courier = new SlowCourier(outcome);
    courier.finish();
    const deleted = Promise.withResolvers<void>();
    let printed: string[] = [];
    const runner = testRunner(spool, courier, {
      spoolDir,
      policy: { queueLifetimeMs: 5 * 24 * HOUR_MS, delayWarningMs },
      // Called while the notice is built, after the attempt checked that its message is there.
      resolveNoticeRecipients: async (address) => {
        printed = await deleteCommand(spoolDir, qid).finally(() => deleted.resolve());
        return [address];
      },
    });
    try {
      await runner.start();
      await deleted.promise;
      await runner.stop(); // waits for the attempt to end
      assert.deepEqual(printed, [inFlightLine(qid)]);
      assertNothingLeft(spoolDir);
    } finally {
      await runner.stop();
      await Deno.remove(spoolDir, { recursive: true });
    }
  });
}

Deno.test("queue delete of a message no attempt holds says only that it is deleted", async () => {
  const spoolDir = makeTestDir({ prefix: "pb-delete-" });
  try {
    const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
    await queueOld(spool, "q2deleted");
    Deno.mkdirSync(join(spoolDir, "queue", "state")); // as the server makes it
    assert.deepEqual(await deleteCommand(spoolDir, "q2deleted"), ["q2deleted deleted"]);
    assertNothingLeft(spoolDir);
  } finally {
    await Deno.remove(spoolDir, { recursive: true });
  }
});

Deno.test("an attempt that starts while queue delete unlinks the message does not deliver it", async () => {
  const spoolDir = makeTestDir({ prefix: "pb-delete-" });
  const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
  const qid = "q3deleted";
  await queueOld(spool, qid);
  const delivered: string[] = [];
  const runner = testRunner(spool, {
    deliver: (_message, rcpts) => {
      delivered.push(...rcpts);
      return Promise.resolve(new Map(rcpts.map((rcpt) => [rcpt, { kind: "delivered" as const }])));
    },
  }, { spoolDir });
  // The command's side of `queue delete`, caught between its lock and its unlink.
  const path = join(spool.msgDir, qid);
  let command: Deno.FsFile | null = Deno.openSync(path, { read: true });
  try {
    assert.ok(command.tryLockSync(true));
    await runner.start(); // its attempt of the message starts now
    Deno.removeSync(path);
    command.close();
    command = null;
    await runner.stop(); // waits for the attempt to end
    assert.deepEqual(delivered, [], "reported deleted, and then delivered");
    assertNothingLeft(spoolDir);
  } finally {
    command?.close();
    await runner.stop();
    await Deno.remove(spoolDir, { recursive: true });
  }
});
