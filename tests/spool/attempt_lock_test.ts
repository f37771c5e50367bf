/**
 * The lock a delivery attempt holds on its queue file, and `queue delete`'s
 * use of it: the command learns of an attempt in flight, and an attempt that
 * starts while the command deletes finds the message gone.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { deleteQueueFile, holdForAttempt } from "../../src/spool/mod.ts";

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = makeTestDir({ prefix: "pb-attempt-lock-" });
    try {
      await fn(dir);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  };
}

Deno.test(
  "deleteQueueFile() says an attempt was in flight while one holds the file",
  withDir(async (dir) => {
    const path = join(dir, "q1");
    Deno.writeTextFileSync(path, "message");
    const hold = await holdForAttempt(path);
    assert.ok(hold !== null);
    try {
      assert.equal(await deleteQueueFile(path), "deleted-in-flight");
    } finally {
      hold.file.close();
    }
    assert.throws(() => Deno.lstatSync(path), Deno.errors.NotFound);
  }),
);

Deno.test(
  "deleteQueueFile() deletes an idle file, and says missing for one already gone",
  withDir(async (dir) => {
    const path = join(dir, "q2");
    Deno.writeTextFileSync(path, "message");
    assert.equal(await deleteQueueFile(path), "deleted");
    assert.equal(await deleteQueueFile(path), "missing");
    // A finished attempt leaves no lock behind.
    Deno.writeTextFileSync(path, "message");
    (await holdForAttempt(path))?.file.close();
    assert.equal(await deleteQueueFile(path), "deleted");
  }),
);

Deno.test(
  "holdForAttempt() waits for a deletion in progress and then finds the message gone",
  withDir(async (dir) => {
    const path = join(dir, "q3");
    Deno.writeTextFileSync(path, "message");
    const command = Deno.openSync(path, { read: true });
    assert.ok(command.tryLockSync(true));
    const held = holdForAttempt(path); // opened now, waiting for the lock
    Deno.removeSync(path);
    command.close();
    assert.equal(await held, null);
    assert.equal(await holdForAttempt(path), null, "a message already gone");
  }),
);

Deno.test(
  "deleteQueueFile() run while another deletes the file waits for it and says missing",
  withDir(async (dir) => {
    const path = join(dir, "q4");
    Deno.writeTextFileSync(path, "message");
    const first = Deno.openSync(path, { read: true }); // the first `queue delete`, mid-way
    assert.ok(first.tryLockSync(true));
    const second = deleteQueueFile(path);
    Deno.removeSync(path);
    first.close();
    assert.equal(await second, "missing", "one deletion, and no attempt was in flight");
  }),
);
