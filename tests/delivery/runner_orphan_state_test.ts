/**
 * A state file whose message is gone (a crash between removing a delivered
 * message and its state file) is removed by the queue rescan, and one whose
 * message is still queued is kept. Found by mutation testing of
 * src/delivery/runner.ts: the rescan's removal could be deleted with every
 * runner test still passing, and such files would pile up for good.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Spool } from "../../src/spool/mod.ts";
import { waitUntil } from "../e2e/harness.ts";
import { quiet, SlowCourier, testRunner } from "./runner_fixture.ts";

Deno.test("the queue rescan removes a state file whose message is gone, and keeps the others", async () => {
  const spoolDir = makeTestDir({ prefix: "pb-orphan-state-" });
  const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
  const courier = new SlowCourier();
  const runner = testRunner(spool, courier, { spoolDir, scanIntervalMs: 20 });
  const stateDir = join(spoolDir, "queue", "state");
  try {
    const queued = await spool.accept({
      envelope: { from: "alice@example.test", rcpts: ["bob@far.test"], source: "smtp" },
      message: new TextEncoder().encode("Subject: hi\r\n\r\nbody\r\n"),
    });
    await Deno.mkdir(stateDir, { recursive: true });
    const state = JSON.stringify({ rcpts: {}, nextAttemptMs: 0 });
    await Deno.writeTextFile(join(stateDir, "GONE123"), state);
    await Deno.writeTextFile(join(stateDir, queued), state);
    await runner.start();
    await courier.started;
    await waitUntil(
      () => ![...Deno.readDirSync(stateDir)].some((entry) => entry.name === "GONE123"),
      5_000,
      "the orphan state file removed",
    );
    assert.ok(Deno.statSync(join(stateDir, queued)).isFile, "the queued message's state stays");
  } finally {
    courier.finish();
    await runner.stop();
    await Deno.remove(spoolDir, { recursive: true });
  }
});

Deno.test("the queue rescan leaves a hidden file in state/ alone: pillarbox check's probe", async () => {
  // `check` beside a running server creates `.pillarbox-check-*` in state/ and removes it at
  // once; a rescan in between took it for an orphan state file and moved it into spare/, so
  // check's own removal failed ("No such file", status 2) and, run as root, the pool got a file
  // the server may not open.
  const spoolDir = makeTestDir({ prefix: "pb-orphan-state-" });
  const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
  const courier = new SlowCourier();
  const runner = testRunner(spool, courier, { spoolDir, scanIntervalMs: 20 });
  const stateDir = join(spoolDir, "queue", "state");
  try {
    await Deno.mkdir(stateDir, { recursive: true });
    await Deno.writeTextFile(join(stateDir, "GONE123"), "{}");
    await Deno.writeTextFile(join(stateDir, ".pillarbox-check-abc123"), "");
    await runner.start();
    await waitUntil(
      () => ![...Deno.readDirSync(stateDir)].some((entry) => entry.name === "GONE123"),
      5_000,
      "a rescan (the orphan state file removed)",
    );
    assert.ok(Deno.statSync(join(stateDir, ".pillarbox-check-abc123")).isFile, "the probe stays");
  } finally {
    courier.finish();
    await runner.stop();
    await Deno.remove(spoolDir, { recursive: true });
  }
});
