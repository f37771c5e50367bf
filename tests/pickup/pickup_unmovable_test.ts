/**
 * Something in the pickup folder that is no message and cannot be moved aside
 * either: a folder another user made there (group `mailers`, or `1733` like
 * /tmp, README "Users and permissions"). Linux lets nobody but its owner move
 * a folder into another one (its ".." must change), so the server's rename
 * fails for as long as the folder stays.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { dropMessage, newWatcher, waitFor } from "./pickup_watcher_fixture.ts";

Deno.test("a folder in pickup/ that cannot be moved aside is reported once, and leaves no note behind", async () => {
  const { spoolDir, lines, watcher, close } = await newWatcher();
  const pickup = join(spoolDir, "pickup");
  const folder = join(pickup, "uploads");
  // Root may move any folder: the kernel's answer to the service user is stood in for.
  const rename = Deno.rename;
  let moves = 0;
  Deno.rename = (from, to) => {
    if (String(from) !== folder) return rename(from, to);
    moves++;
    return Promise.reject(new Deno.errors.PermissionDenied("Permission denied (os error 13)"));
  };
  const queued = (name: string) =>
    lines.some((line) => line.includes("event=msg.queued") && line.includes(`file=${name}`));
  try {
    await watcher.start();
    Deno.mkdirSync(folder);
    await waitFor("the failure to move it", () => moves >= 1);
    // Two more scans at least: each takes a message dropped after the one before is queued.
    for (const name of ["good1", "good2"]) {
      dropMessage(spoolDir, name);
      await waitFor(`${name} queued`, () => queued(name));
    }
    assert.equal(moves, 1, "tried once, not at every scan");
    const failures = lines.filter((line) => line.includes("file=uploads"));
    assert.equal(failures.length, 1, failures.join("\n"));
    assert.match(failures[0]!, /level=error event=pickup\.reject_failed .*denied/i);
    // Each failed try used to leave its note (uploads.reason, uploads.1.reason, ...): one
    // more file at every scan for as long as the folder stays.
    const rejected = [...Deno.readDirSync(join(spoolDir, "pickup-rejected"))].map((e) => e.name);
    assert.deepEqual(rejected, []);
    assert.ok(Deno.statSync(folder).isDirectory, "the folder stays where it was");
  } finally {
    Deno.rename = rename;
    await close();
  }
});

Deno.test("a folder in pickup/ that could not be moved is tried again once replaced by another", async () => {
  const { spoolDir, lines, watcher, close } = await newWatcher();
  const folder = join(spoolDir, "pickup", "uploads");
  const rename = Deno.rename;
  let isRefusing = true;
  Deno.rename = (from, to) =>
    String(from) === folder && isRefusing
      ? Promise.reject(new Deno.errors.PermissionDenied("Permission denied (os error 13)"))
      : rename(from, to);
  try {
    await watcher.start();
    Deno.mkdirSync(folder);
    await waitFor("the failure to move it", () => lines.some((l) => l.includes("reject_failed")));
    // Its owner replaces it by one the server may move (made first: another inode).
    isRefusing = false;
    Deno.mkdirSync(join(spoolDir, "pickup", ".new"));
    Deno.removeSync(folder);
    Deno.renameSync(join(spoolDir, "pickup", ".new"), folder);
    await waitFor(
      "the new folder moved aside",
      () => lines.some((line) => line.includes("event=pickup.rejected")),
    );
    const rejected = join(spoolDir, "pickup-rejected");
    assert.ok(Deno.statSync(join(rejected, "uploads")).isDirectory);
    assert.match(Deno.readTextFileSync(join(rejected, "uploads.reason")), /Not a regular file/);
  } finally {
    Deno.rename = rename;
    await close();
  }
});
