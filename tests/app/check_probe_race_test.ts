/**
 * `pillarbox check` beside a server: it proves each spool folder takes a
 * new file by making one (`.pillarbox-check-*`) and removing it. A server
 * that removes that probe first (its start-up sweep of queue/tmp/ takes
 * every file no command named) has not made the folder unwritable: check
 * must still say the configuration is ok.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { checkSpoolDir } from "../../src/app/spool_dir.ts";
import { sweepQueueTmp } from "../../src/spool/tmp_sweep.ts";

Deno.test("check whose probe a starting server sweeps out of queue/tmp/ still passes", async () => {
  const spoolDir = makeTestDir({ prefix: "pb-check-probe-" });
  const tmpDir = join(spoolDir, "queue", "tmp");
  await Deno.mkdir(tmpDir, { recursive: true });
  let isStopped = false;
  let swept = 0;
  const server = (async () => {
    while (!isStopped) swept += await sweepQueueTmp(tmpDir);
  })();
  const failures: string[] = [];
  try {
    for (let i = 0; i < 500 && failures.length === 0; i++) {
      await checkSpoolDir(spoolDir).catch((error) => failures.push(String(error)));
    }
  } finally {
    isStopped = true;
    await server;
    await Deno.remove(spoolDir, { recursive: true });
  }
  assert.deepEqual(failures, []);
  assert.ok(swept > 0, "the sweep took probes meanwhile");
});
