/** readSameFile(): the bytes of the file looked at before, or null if another stands there now. */
import assert from "node:assert/strict";
import { constants } from "node:fs";
import { open } from "node:fs/promises";
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
    const { ino, size } = Deno.lstatSync(`${dir}/claimed`);
    swap(dir);
    const bytes = await readSameFile(`${dir}/claimed`, { ino, size });
    assert.equal(bytes === null ? null : new TextDecoder().decode(bytes), expected);
  });
}

Deno.test("readSameFile() refuses a FIFO put in its place without waiting for a writer", async () => {
  const dir = makeTestDir({ prefix: "pillarbox-same-file-" });
  Deno.writeTextFileSync(`${dir}/claimed`, "mine");
  const { ino, size } = Deno.lstatSync(`${dir}/claimed`);
  // A member of the pickup group renames a FIFO over the claimed file after the look.
  Deno.removeSync(`${dir}/claimed`);
  const made = await new Deno.Command("mkfifo", { args: [`${dir}/claimed`] }).output();
  assert.ok(made.success, "mkfifo");
  // An open that waits for a writer never ends by itself: after a deadline the test writes
  // (frees it) and fails, instead of hanging the run.
  let isStuck = false;
  const deadline = setTimeout(() => {
    isStuck = true;
    void open(`${dir}/claimed`, constants.O_WRONLY | constants.O_NONBLOCK).then((h) => h.close());
  }, 10_000);
  try {
    assert.equal(await readSameFile(`${dir}/claimed`, { ino, size }), null);
    assert.ok(!isStuck, "the open waited for a writer");
  } finally {
    clearTimeout(deadline);
  }
});
