/**
 * `pillarbox queue` exit statuses as its usage promises (scripts act on
 * them): 0 done, 1 no such message, 2 a usage problem; and what `delete`
 * leaves behind.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { formatAge, runQueueCommand } from "../../src/app/queue_command.ts";
import { loadConfig } from "../../src/config/mod.ts";
import { Logger } from "../../src/log/mod.ts";
import { Spool } from "../../src/spool/mod.ts";

async function queue(spoolDir: string, words: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const config = loadConfig([`--spool-dir=${spoolDir}`, "--hostname=mx.test"]).config;
  const status = await runQueueCommand(words, {
    config,
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  });
  return { status, out: out.join("\n"), err: err.join("\n") };
}

const CASES: [string[], number, RegExp][] = [
  [["show", "nosuch"], 1, /No message nosuch/],
  [["retry", "nosuch"], 1, /No message nosuch/],
  [["delete", "nosuch"], 1, /No message nosuch/],
  // Not a queue id: a path out of queue/msg/ is refused before any file is touched.
  [["show", "../state/x"], 2, /Not a queue id/],
  [["delete", "..%2f"], 2, /Not a queue id/],
  [["retry", "A1"], 2, /Not a queue id/],
  [[], 2, /Missing queue subcommand/],
  [["frobnicate"], 2, /Bad queue command: "frobnicate"/],
  [["list", "extra"], 2, /Bad queue command: "list extra"/],
  [["retry", "a1", "b2"], 2, /Bad queue command/],
  [["show"], 2, /Bad queue command/],
];
for (const [words, status, message] of CASES) {
  Deno.test(`queue ${words.join(" ") || "(nothing)"} exits ${status}`, async () => {
    const spoolDir = makeTestDir({ prefix: "pillarbox-queue-" });
    const result = await queue(spoolDir, words);
    assert.equal(result.status, status, result.err);
    assert.match(result.err, message);
  });
}

Deno.test("queue delete removes the message and its state file, and says so", async () => {
  const spoolDir = makeTestDir({ prefix: "pillarbox-queue-" });
  const spool = await Spool.open({ spoolDir, log: new Logger({ level: "error" }) });
  const qid = await spool.accept({
    envelope: { from: "a@mx.test", rcpts: ["r@remote.test"], source: "smtp" },
    message: new TextEncoder().encode("Subject: x\r\n\r\nbody\r\n"),
  });
  spool.spares?.close();
  Deno.mkdirSync(join(spoolDir, "queue", "state"), { recursive: true });
  const stateFile = join(spoolDir, "queue", "state", qid);
  Deno.writeTextFileSync(stateFile, "{}");
  const deleted = await queue(spoolDir, ["delete", qid]);
  assert.deepEqual([deleted.status, deleted.out], [0, `${qid} deleted`], deleted.err);
  assert.throws(() => Deno.statSync(stateFile), Deno.errors.NotFound);
  assert.equal((await queue(spoolDir, ["show", qid])).status, 1);
  const listed = await queue(spoolDir, ["list", "--json"]);
  assert.deepEqual([listed.status, JSON.parse(listed.out)], [0, []]);
});

Deno.test("formatAge() shows the two largest units", () => {
  assert.equal(formatAge(0), "0s");
  assert.equal(formatAge(60_000), "1m");
  assert.equal(formatAge(3_600_000), "1h");
  assert.equal(formatAge(86_400_000 + 3_600_000 + 60_000 + 1_000), "1d1h");
  assert.equal(formatAge(3_661_000), "1h1m");
  assert.equal(formatAge(-5_000), "0s");
});
