/**
 * `Spool.release` renames a held message to its queue id and hands it to
 * delivery. Delivery may finish (a local mailbox fsynced, a remote 250) in
 * less time than the folder's fsync takes; should the power fail before that
 * fsync, the message would be back under its held name, and the next start
 * (which lets a recorded notice go) would deliver it a second time. So the
 * runner hears of it only once the rename is on disk.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { Logger } from "../../src/log/mod.ts";
import { Spool } from "../../src/spool/mod.ts";

Deno.test("a released message is handed to delivery only after the queue folder's fsync", async () => {
  const spoolDir = makeTestDir({ prefix: "pb-release-" });
  const proto = Deno.FsFile.prototype;
  const { sync, syncSync } = proto;
  try {
    const spool = await Spool.open({
      spoolDir,
      log: new Logger({ level: "error", sink: () => {} }),
      spareFiles: 0,
    });
    const heldName = ".held-q1-failed";
    const qid = await spool.accept({
      heldName,
      envelope: { from: "", rcpts: ["a@example.test"], source: "bounce", isBounce: true },
      message: new TextEncoder().encode("Subject: notice\r\n\r\nbody\r\n"),
    });
    const events: string[] = [];
    spool.onAccepted((told) => events.push(`told ${told}`));
    proto.sync = async function (this: Deno.FsFile) {
      events.push("fsync started");
      await sync.call(this);
      events.push("fsync done");
    };
    proto.syncSync = function (this: Deno.FsFile) {
      events.push("fsync started");
      syncSync.call(this);
      events.push("fsync done");
    };
    await spool.release(heldName, qid);
    assert.deepEqual(events, ["fsync started", "fsync done", `told ${qid}`]);
    assert.deepEqual(await spool.list(), [qid]);
    assert.deepEqual(await spool.listHeld(), []);
  } finally {
    proto.sync = sync;
    proto.syncSync = syncSync;
    await Deno.remove(spoolDir, { recursive: true });
  }
});
