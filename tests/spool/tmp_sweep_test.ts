import assert from "node:assert/strict";
import { makeTestDir } from "../temp_dirs.ts";
import { Logger } from "../../src/log/mod.ts";
import { Spool } from "../../src/spool/mod.ts";
import { COMMAND_TMP_PREFIX, sweepQueueTmp } from "../../src/spool/tmp_sweep.ts";

const HOUR_MS = 3600 * 1000;

const cases: Array<[string, string, number, boolean]> = [
  ["sweepQueueTmp() removes the server's own leftover at once", "mq1", 0, false],
  ["sweepQueueTmp() removes a spilled DATA of the server at once", "in-abc", 0, false],
  [
    "sweepQueueTmp() leaves a file a command is writing now",
    `${COMMAND_TMP_PREFIX}mq2`,
    0,
    true,
  ],
  [
    "sweepQueueTmp() leaves a command's file touched within the hour",
    `${COMMAND_TMP_PREFIX}mq3`,
    HOUR_MS - 60_000,
    true,
  ],
  [
    "sweepQueueTmp() removes a command's file untouched for over an hour",
    `${COMMAND_TMP_PREFIX}mq4`,
    HOUR_MS + 60_000,
    false,
  ],
];

for (const [name, file, ageMs, isKept] of cases) {
  Deno.test(name, async () => {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${dir}/${file}`, "PBQ1 {}\r\n");
      const nowMs = Date.now() + ageMs;
      assert.equal(await sweepQueueTmp(dir, nowMs), isKept ? 0 : 1);
      assert.deepEqual([...Deno.readDirSync(dir)].map((entry) => entry.name), isKept ? [file] : []);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("Spool.open() of a command (isSweeping: false) leaves a running server's files in tmp/", async () => {
  const spoolDir = makeTestDir();
  const tmpDir = `${spoolDir}/queue/tmp`;
  Deno.mkdirSync(tmpDir, { recursive: true });
  // What a running server has in flight: a spilled DATA it is still receiving.
  Deno.writeTextFileSync(`${tmpDir}/in-abc`, "half a message");
  const log = new Logger({ sink: () => {} });
  const command = await Spool.open({ spoolDir, log, isSweeping: false });
  assert.deepEqual([...Deno.readDirSync(tmpDir)].map((entry) => entry.name), ["in-abc"]);
  assert.equal(command.spares, null);
  // The server's own start sweeps it.
  await Spool.open({ spoolDir, log });
  assert.deepEqual([...Deno.readDirSync(tmpDir)], []);
});
