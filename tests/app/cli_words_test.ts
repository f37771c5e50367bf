/**
 * Words the subcommands do not take: `serve` and `check` take flags only, so a
 * stray word (a flag typed with one dash, a misplaced value) is a usage error
 * with status 2, never silently ignored.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { runInProcess } from "./run_in_process.ts";
import { runCli, tempDir } from "../e2e/harness.ts";

const run = runInProcess;

const STRAY_WORDS: ReadonlyArray<readonly [string, string]> = [
  ["a flag written with one dash", "-flagfile=/etc/pillarbox.flags"],
  ["the second item of an unquoted --domains=a.test, b.test", "b.test"],
  ["a word that is not a subcommand's", "now"],
];

for (const [what, word] of STRAY_WORDS) {
  Deno.test(`check refuses ${what} with status 2 instead of saying "configuration ok"`, async () => {
    const dir = makeTestDir();
    try {
      const result = await run(["check", `--spool-dir=${dir}`, "--hostname=mx.test", word]);
      assert.equal(result.code, 2, result.out.join("\n"));
      assert.ok(!result.out.includes("# configuration ok"));
      assert.equal(result.err.length, 1, result.err.join("\n"));
      assert.match(result.err[0]!, /^pillarbox: /);
      assert.ok(result.err[0]!.includes(JSON.stringify(word)), result.err[0]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("serve refuses a stray word with status 2 before it opens the spool or a socket", async () => {
  const dir = tempDir();
  // A port that is taken: a serve that ignored the word would get as far as
  // the listener and fail there with status 1, after creating the spool.
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const spoolDir = `${dir}/never-created`;
    const result = await runCli([
      "serve",
      "-flagfile=/etc/pillarbox.flags",
      `--spool-dir=${spoolDir}`,
      `--smtp-listen=127.0.0.1:${(taken.addr as Deno.NetAddr).port}`,
      "--submission-listen=",
      "--pop3-listen=",
      "--imap-listen=",
    ]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /^pillarbox: .*"-flagfile=\/etc\/pillarbox\.flags"/);
    assert.throws(() => Deno.statSync(spoolDir), Deno.errors.NotFound);
  } finally {
    taken.close();
    await Deno.remove(dir, { recursive: true });
  }
});
