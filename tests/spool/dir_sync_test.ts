import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { dirSyncsInFlight, syncDir, syncDirSoon } from "../../src/spool/mod.ts";

Deno.test("syncDir() resolves every one of many concurrent calls", async () => {
  const dir = makeTestDir({ prefix: "pillarbox-dir-sync-" });
  try {
    const calls: Promise<void>[] = [];
    for (let i = 0; i < 50; i++) {
      await Deno.writeTextFile(`${dir}/tmp-${i}`, String(i));
      await Deno.rename(`${dir}/tmp-${i}`, `${dir}/file-${i}`);
      calls.push(syncDir(dir));
    }
    const results = await Promise.allSettled(calls);
    assert.deepEqual(
      results.map((result) => result.status),
      calls.map(() => "fulfilled"),
    );
    // A later call after the group finished still gets its own sync.
    await syncDir(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("syncDir() resolves a burst of calls made at the same instant", async () => {
  const dir = makeTestDir({ prefix: "pillarbox-dir-sync-" });
  try {
    const calls = Array.from({ length: 200 }, () => syncDir(dir));
    await Promise.all(calls);
    await Promise.all([syncDir(dir), syncDir(dir)]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("syncDir() keeps separate directories apart", async () => {
  const dirs = await Promise.all(
    [1, 2, 3].map(() => makeTestDir({ prefix: "pillarbox-dir-sync-" })),
  );
  try {
    await Promise.all(dirs.flatMap((dir) => [syncDir(dir), syncDir(dir), syncDir(dir)]));
  } finally {
    for (const dir of dirs) await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("syncDir() rejects for a missing directory and recovers afterwards", async () => {
  const dir = makeTestDir({ prefix: "pillarbox-dir-sync-" });
  const missing = `${dir}/missing`;
  try {
    const first = syncDir(missing);
    const joined = syncDir(missing);
    await assert.rejects(first);
    await assert.rejects(joined);
    await Deno.mkdir(missing);
    await syncDir(missing);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("syncDir() fsyncs a directory opened with Deno.open()", async () => {
  const dir = makeTestDir({ prefix: "pillarbox-dir-sync-" });
  try {
    await syncDir(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("syncDir() follows a directory that was removed and created again under the same path", async () => {
  const root = makeTestDir();
  const dir = `${root}/new`;
  try {
    await Deno.mkdir(dir);
    await syncDir(dir);
    const before = (await Deno.stat(dir)).ino;
    await Deno.remove(dir);
    await Deno.mkdir(dir);
    assert.notEqual((await Deno.stat(dir)).ino, before, "a new directory");
    await Deno.writeTextFile(`${dir}/m`, "x");
    await syncDir(dir); // must open the new directory, not fsync the deleted one
    await Deno.remove(dir, { recursive: true });
    await assert.rejects(syncDir(dir), Deno.errors.NotFound);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("syncDirSoon() gives every caller in one window the same sync, and a later one a new", async () => {
  const dir = makeTestDir({ prefix: "pillarbox-soon-" });
  const first = syncDirSoon(dir, 30);
  const second = syncDirSoon(dir, 30);
  assert.equal(first, second, "one window, one sync");
  const other = syncDirSoon(makeTestDir({ prefix: "pillarbox-soon-" }), 30);
  assert.notEqual(first, other, "each directory its own");
  await first;
  const later = syncDirSoon(dir, 30);
  assert.notEqual(later, first, "a caller after the window waits for a sync that starts after it");
  await Promise.all([later, other]);
  await assert.rejects(() => syncDirSoon(`${dir}/missing`, 1));
});

const DIR_SYNC = new URL("../../src/spool/dir_sync.ts", import.meta.url).href;

/**
 * In a process of its own (it reads /proc/self/fd): makes a folder the oldest
 * of the 128 cached handles, then caches one more while that folder's sync
 * runs (after a change, so the sync waits for the disk). Prints how many
 * descriptors are still open on the evicted folder once every sync is done.
 */
const EVICT_WHILE_SYNCING = `
const { syncDir } = await import(${JSON.stringify(DIR_SYNC)});
const root = Deno.makeTempDirSync({ prefix: "pillarbox-dir-handles-" });
let made = 0;
const fresh = () => { const dir = root + "/d" + made++; Deno.mkdirSync(dir); return dir; };
for (let i = 0; i < 128; i++) await syncDir(fresh());
const evicted = fresh();
await syncDir(evicted);
for (let i = 0; i < 127; i++) await syncDir(fresh());
Deno.writeTextFileSync(evicted + "/new-file", "x");
await Promise.all([syncDir(evicted), syncDir(fresh())]);
await new Promise((resolve) => setTimeout(resolve, 0));
let open = 0;
for (const entry of Deno.readDirSync("/proc/self/fd")) {
  try { if (Deno.readLinkSync("/proc/self/fd/" + entry.name) === evicted) open++; } catch {}
}
Deno.removeSync(root, { recursive: true });
console.log(open);
`;

Deno.test({
  name: "syncDir() closes the handle it evicts from its cache when that folder's sync is done",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["eval", EVICT_WHILE_SYNCING],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(output.success, new TextDecoder().decode(output.stderr));
    // Left open, one descriptor leaks at each such eviction: with more folders
    // than handles (many mailboxes), the server would run out of them.
    assert.equal(new TextDecoder().decode(output.stdout).trim(), "0");
  },
});

Deno.test("syncDir() keeps nothing for a folder once its syncs are done (folders made and deleted)", async () => {
  const root = makeTestDir({ prefix: "pillarbox-dir-states-" });
  const dirs = Array.from({ length: 300 }, (_, i) => {
    Deno.mkdirSync(`${root}/d${i}`);
    return `${root}/d${i}`;
  });
  // Twice each at once: a running sync and a next one, both done.
  await Promise.all(dirs.flatMap((dir) => [syncDir(dir), syncDir(dir)]));
  assert.equal(dirSyncsInFlight(), 0);
  await syncDir(dirs[0]!); // and a folder synced again after that works as before
  assert.equal(dirSyncsInFlight(), 0);
});
