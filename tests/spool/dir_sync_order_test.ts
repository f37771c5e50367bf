/**
 * The group commit's promise, watched at the fsync itself: a caller's
 * syncDir() resolves only after an fsync of that directory that began after
 * the call (so every rename it made before asking is durable), and of the
 * directory now at that path.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { syncDir, syncDirSoon } from "../../src/spool/mod.ts";

type Sync = (this: Deno.FsFile) => Promise<void>;

/** Holds each directory fsync until released; logs its start with the inode it flushes. */
function holdSyncs(log: string[]) {
  const proto = Deno.FsFile.prototype as unknown as { sync: Sync };
  const original = proto.sync;
  const gates: (() => void)[] = [];
  proto.sync = async function (this: Deno.FsFile) {
    log.push(`sync ${this.statSync().ino}`);
    await new Promise<void>((resolve) => gates.push(resolve));
    await original.call(this);
  };
  return {
    gates,
    restore: () => proto.sync = original,
  };
}

/** Waits (a turn of the event loop at a time) until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  for (let turn = 0; !condition(); turn++) {
    assert.ok(turn < 10_000, "waited too long");
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

Deno.test("syncDir() called while a sync runs waits for one that starts after the call, shared by all such callers", async () => {
  const dir = makeTestDir({ prefix: "pillarbox-dir-order-" });
  const ino = Deno.statSync(dir).ino;
  const log: string[] = [];
  const held = holdSyncs(log);
  try {
    const done: string[] = [];
    const first = syncDir(dir).then(() => done.push("first"));
    await until(() => held.gates.length === 1);
    log.push("renamed twice"); // what the next two callers made durable
    const second = syncDir(dir).then(() => done.push("second"));
    const third = syncDir(dir).then(() => done.push("third"));
    held.gates[0]!();
    await first;
    await until(() => held.gates.length === 2);
    assert.deepEqual(done, ["first"], "the others wait for the sync that began after them");
    log.push("renamed once more"); // during the second sync: needs a third
    const fourth = syncDir(dir).then(() => done.push("fourth"));
    held.gates[1]!();
    await Promise.all([second, third]);
    await until(() => held.gates.length === 3);
    assert.deepEqual(done, ["first", "second", "third"]);
    held.gates[2]!();
    await fourth;
    assert.deepEqual(log, [
      `sync ${ino}`,
      "renamed twice",
      `sync ${ino}`,
      "renamed once more",
      `sync ${ino}`,
    ]);
  } finally {
    held.restore();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("syncDir() flushes the directory now at the path, after it was removed and made again", async () => {
  const root = makeTestDir({ prefix: "pillarbox-dir-order-" });
  const dir = `${root}/new`;
  const log: string[] = [];
  const held = holdSyncs(log);
  try {
    Deno.mkdirSync(dir);
    const first = syncDir(dir);
    await until(() => held.gates.length === 1);
    held.gates[0]!();
    await first;
    Deno.removeSync(dir);
    Deno.mkdirSync(dir);
    Deno.writeTextFileSync(`${dir}/m`, "x");
    const second = syncDir(dir);
    await until(() => held.gates.length === 2);
    held.gates[1]!();
    await second;
    assert.equal(log[1], `sync ${Deno.statSync(dir).ino}`);
  } finally {
    held.restore();
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("syncDirSoon() starts its sync when the window closes, after every caller in it", async () => {
  const dir = makeTestDir({ prefix: "pillarbox-dir-order-" });
  const log: string[] = [];
  const held = holdSyncs(log);
  try {
    log.push("call 1");
    const first = syncDirSoon(dir, 200);
    await new Promise((resolve) => setTimeout(resolve, 20)); // well within the window
    log.push("call 2");
    const second = syncDirSoon(dir, 200);
    assert.equal(first, second);
    await until(() => held.gates.length === 1);
    held.gates[0]!();
    await first;
    assert.deepEqual(log, ["call 1", "call 2", `sync ${Deno.statSync(dir).ino}`]);
  } finally {
    held.restore();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("syncDir() lets a sync finish on a handle the cache evicts while it runs", async () => {
  const root = makeTestDir({ prefix: "pillarbox-dir-order-" });
  let made = 0;
  const fresh = () => {
    const dir = `${root}/d${made++}`;
    Deno.mkdirSync(dir);
    return dir;
  };
  const log: string[] = [];
  const held = holdSyncs(log);
  try {
    const target = syncDir(fresh());
    await until(() => held.gates.length === 1);
    // More folders than the cache keeps (128): the target's handle, in use, is evicted.
    for (let i = 1; i <= 200; i++) {
      const other = syncDir(fresh());
      await until(() => held.gates.length === i + 1);
      held.gates[i]!();
      await other;
    }
    held.gates[0]!();
    await target; // the fsync ran on an open handle: the caller's renames are durable
  } finally {
    held.restore();
    Deno.removeSync(root, { recursive: true });
  }
});
