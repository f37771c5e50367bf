import assert from "node:assert/strict";
import { join } from "node:path";
import { syncDirectory, writeFileAtomic } from "../../src/auth/mod.ts";

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "pillarbox-atomic-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

Deno.test("syncDirectory() fsyncs a directory opened with Deno.open()", async () => {
  await withTempDir(async (dir) => {
    await syncDirectory(dir);
  });
});

Deno.test("writeFileAtomic() replaces a file's contents in one step", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "f");
    await Deno.writeTextFile(path, "old contents that are longer");
    await writeFileAtomic(path, new TextEncoder().encode("new"));
    assert.equal(await Deno.readTextFile(path), "new");
    assert.deepEqual(await listDir(dir), ["f"]);
  });
});

Deno.test("writeFileAtomic() removes its temporary file when the rename fails", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "occupied");
    await Deno.mkdir(path);
    await Deno.writeTextFile(join(path, "x"), "keep me");
    await assert.rejects(writeFileAtomic(path, new TextEncoder().encode("data")));
    assert.deepEqual(await listDir(dir), ["occupied"]);
  });
});
