/**
 * `help` and `version` answer whatever the configuration says: they must
 * work on a host whose flags file is missing or broken (or whose system name
 * is no valid --hostname), where the administrator needs them most.
 */
import { makeTestFile } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { runInProcess } from "./run_in_process.ts";
import { VERSION } from "../../src/app/version.ts";

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const { code, out, err } = await runInProcess(argv);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const brokenFlagsFile = makeTestFile({ prefix: "pb-flags-" });
Deno.writeTextFileSync(brokenFlagsFile, "--smtp-listen=:25\nnot a flag line\n");

const BROKEN: ReadonlyArray<readonly [string, string]> = [
  ["a flags file that does not exist", "--flagfile=/nonexistent/pillarbox.flags"],
  ["a flags file with a bad line", `--flagfile=${brokenFlagsFile}`],
];

for (const [what, flag] of BROKEN) {
  for (const word of ["help", "--help"]) {
    Deno.test(`${word} prints the help despite ${what}`, async () => {
      const result = await run([flag, word]);
      assert.equal(result.code, 0, result.err);
      assert.match(result.out, /--spool-dir/);
      assert.equal(result.err, "");
    });
  }
  for (const word of ["version", "--version"]) {
    Deno.test(`${word} prints the version despite ${what}`, async () => {
      const result = await run([word, flag]);
      assert.deepEqual(result, { code: 0, out: `pillarbox ${VERSION}`, err: "" });
    });
  }
  Deno.test(`another subcommand still refuses ${what} with status 2`, async () => {
    const result = await run(["queue", "list", flag]);
    assert.equal(result.code, 2);
    assert.match(result.err, /^pillarbox: /);
  });
}

Deno.test("an unknown flag is still refused, even beside help", async () => {
  const result = await run(["help", "--no-such-flag"]);
  assert.equal(result.code, 2);
  assert.equal(result.err, 'pillarbox: Unknown flag "--no-such-flag"');
});
