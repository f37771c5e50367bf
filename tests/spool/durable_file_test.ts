import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeFileAtomic, writeFileDurably } from "../../src/spool/mod.ts";

Deno.test("writeFileDurably() writes the exact bytes of all chunks", async () => {
  const dir = makeTestDir({ prefix: "pillarbox-dir-sync-" });
  try {
    const big = new Uint8Array(300_000).map((_, i) => (i * 7) & 0xff);
    const chunks = [
      new TextEncoder().encode("PBQ1 {}\n"),
      new Uint8Array(0),
      new Uint8Array([0, 13, 10, 255]),
      big.subarray(1000),
    ];
    const path = `${dir}/msg`;
    await writeFileDurably(path, chunks);
    const written = await Deno.readFile(path);
    const expected = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
    let offset = 0;
    for (const chunk of chunks) {
      expected.set(chunk, offset);
      offset += chunk.length;
    }
    assert.deepEqual(written, expected);
    if (Deno.build.os !== "windows") {
      assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeFileDurably() writes an empty file for no chunks", async () => {
  const dir = makeTestDir({ prefix: "pillarbox-dir-sync-" });
  try {
    await writeFileDurably(`${dir}/empty`, []);
    assert.equal((await Deno.readFile(`${dir}/empty`)).length, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeFileDurably() refuses to overwrite an existing file", async () => {
  const dir = makeTestDir({ prefix: "pillarbox-dir-sync-" });
  try {
    await Deno.writeTextFile(`${dir}/taken`, "old");
    await assert.rejects(
      writeFileDurably(`${dir}/taken`, [new Uint8Array([1])]),
      Deno.errors.AlreadyExists,
    );
    assert.equal(await Deno.readTextFile(`${dir}/taken`), "old");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = makeTestDir({ prefix: "pillarbox-atomic-" });
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

Deno.test("writeFileAtomic() replaces a file's contents in one step", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "f");
    await Deno.writeTextFile(path, "old contents that are longer");
    await writeFileAtomic(path, [new TextEncoder().encode("new")]);
    assert.equal(await Deno.readTextFile(path), "new");
    assert.deepEqual(await listDir(dir), ["f"]);
  });
});

Deno.test("writeFileAtomic() removes its temporary file when the rename fails", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "occupied");
    await Deno.mkdir(path);
    await Deno.writeTextFile(join(path, "x"), "keep me");
    await assert.rejects(writeFileAtomic(path, [new TextEncoder().encode("data")]));
    assert.deepEqual(await listDir(dir), ["occupied"]);
  });
});

Deno.test("writeFileAtomic() writes its temporary file in tmpDir and leaves it empty", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(join(dir, "tmp"));
    await Deno.mkdir(join(dir, "state"));
    const path = join(dir, "state", "q1");
    const chunks = [new TextEncoder().encode("ab"), new TextEncoder().encode("cd")];
    await writeFileAtomic(path, chunks, { tmpDir: join(dir, "tmp") });
    assert.equal(await Deno.readTextFile(path), "abcd");
    assert.deepEqual(await listDir(join(dir, "tmp")), []);
    assert.deepEqual(await listDir(join(dir, "state")), ["q1"]);
  });
});

Deno.test("writeFileAtomic() gives the file exactly the requested mode", {
  ignore: Deno.build.os === "windows",
}, async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "secret");
    await writeFileAtomic(path, [new TextEncoder().encode("x")], { mode: 0o640 });
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o640);
  });
});
