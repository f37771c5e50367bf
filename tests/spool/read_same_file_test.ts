/** readSameFile(): the bytes of the file looked at before, or null if another stands there now. */
import assert from "node:assert/strict";
import { readSameFile } from "../../src/spool/mod.ts";
import { makeTestDir } from "../temp_dirs.ts";

const CASES: { name: string; swap: (dir: string) => void; expected: string | null }[] = [
  { name: "reads the file looked at", swap: () => {}, expected: "mine" },
  {
    name: "refuses a symlink put in its place (the open would follow it)",
    swap: (dir) => {
      Deno.removeSync(`${dir}/claimed`);
      Deno.symlinkSync(`${dir}/secret`, `${dir}/claimed`);
    },
    expected: null,
  },
  {
    name: "refuses another file renamed over it",
    swap: (dir) => Deno.renameSync(`${dir}/secret`, `${dir}/claimed`),
    expected: null,
  },
];

for (const { name, swap, expected } of CASES) {
  Deno.test(`readSameFile() ${name}`, async () => {
    const dir = makeTestDir({ prefix: "pillarbox-same-file-" });
    Deno.writeTextFileSync(`${dir}/claimed`, "mine");
    Deno.writeTextFileSync(`${dir}/secret`, "not yours");
    const ino = Deno.lstatSync(`${dir}/claimed`).ino;
    swap(dir);
    const bytes = await readSameFile(`${dir}/claimed`, ino);
    assert.equal(bytes === null ? null : new TextDecoder().decode(bytes), expected);
  });
}
