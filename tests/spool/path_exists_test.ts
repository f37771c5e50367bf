import assert from "node:assert/strict";
import { pathExists } from "../../src/spool/mod.ts";
import { makeTestDir } from "../temp_dirs.ts";

Deno.test("pathExists answers for files, folders, dangling links and missing names", async () => {
  const dir = makeTestDir();
  Deno.writeTextFileSync(`${dir}/file`, "x");
  Deno.mkdirSync(`${dir}/folder`);
  Deno.symlinkSync(`${dir}/nowhere`, `${dir}/dangling`);
  const cases: [string, boolean][] = [
    ["file", true],
    ["folder", true],
    ["dangling", true], // the link is a name in the folder: a rename onto it would replace it
    ["missing", false],
    ["folder/missing", false],
  ];
  for (const [name, expected] of cases) {
    assert.equal(await pathExists(`${dir}/${name}`), expected, name);
  }
});

Deno.test("pathExists throws what is not 'not found' instead of guessing", async () => {
  const dir = makeTestDir();
  Deno.writeTextFileSync(`${dir}/file`, "x");
  // A path through a file: ENOTDIR says nothing about whether the name is free.
  await assert.rejects(pathExists(`${dir}/file/below`), (error) => {
    assert.ok(!(error instanceof Deno.errors.NotFound), String(error));
    return true;
  });
});
