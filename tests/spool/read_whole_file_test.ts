/** readWholeFile: any size comes back byte-exact, in one buffer of its size. */
import assert from "node:assert/strict";
import { readWholeFile } from "../../src/spool/mod.ts";

const MB = 1024 * 1024;

for (const size of [0, 1, MB - 1, MB, MB + 1, 3.5 * MB]) {
  Deno.test(`readWholeFile reads a ${size}-byte file byte-exact`, async () => {
    const path = await Deno.makeTempFile({ prefix: "pb-whole-" });
    try {
      const bytes = Uint8Array.from({ length: size }, (_, i) => (i * 31 + (i >> 8)) & 0xff);
      await Deno.writeFile(path, bytes);
      const read = await readWholeFile(path);
      assert.equal(read.length, size);
      assert.equal(read.buffer.byteLength, size, "one buffer of the file's size");
      assert.deepEqual(read, bytes);
    } finally {
      await Deno.remove(path);
    }
  });
}

Deno.test("readWholeFile rejects a missing file with NotFound", async () => {
  await assert.rejects(readWholeFile("/nonexistent/pb-whole"), Deno.errors.NotFound);
});
