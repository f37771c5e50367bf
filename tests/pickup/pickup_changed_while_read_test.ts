/**
 * A pickup file that changes after the watcher's last look (a producer that writes in place and
 * still holds the file open): what is read must be the file that was looked at, whole, or
 * nothing. Otherwise a message is queued cut short, or a file grown past the size limit is read
 * into memory whole (the limit was checked at the look).
 */
import assert from "node:assert/strict";
import { promises as fsPromises } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { newWatcher, waitFor } from "./pickup_watcher_fixture.ts";

/**
 * Stands in for node:fs's open of a claimed file: `beforeOpen` runs first, `beforeRead` before
 * each read through the handle; `bytesRead` counts what was read. Returns the undo.
 */
function watchClaimReads(hooks: {
  beforeOpen?: (path: string) => void;
  beforeRead?: (path: string) => void;
  bytesRead: { total: number };
}): () => void {
  const open = fsPromises.open;
  fsPromises.open = (async (path: string, ...rest: unknown[]) => {
    const isClaim = String(path).includes(".claimed-");
    if (isClaim) hooks.beforeOpen?.(String(path));
    const handle = await (open as (...args: unknown[]) => Promise<FileHandle>)(path, ...rest);
    if (!isClaim) return handle;
    const read = handle.read.bind(handle) as (...args: unknown[]) => ReturnType<FileHandle["read"]>;
    (handle as { read: unknown }).read = async (...args: unknown[]) => {
      hooks.beforeRead?.(String(path));
      const result = await read(...args);
      hooks.bytesRead.total += result.bytesRead;
      return result;
    };
    return handle;
  }) as typeof open;
  return () => {
    fsPromises.open = open;
  };
}

Deno.test("a pickup file rewritten in place while it is read is queued whole, not cut at the size first seen", async () => {
  const { spoolDir, lines, spool, watcher, close } = await newWatcher();
  const path = join(spoolDir, "pickup", "report");
  const first = "From: a@example.test\nTo: b@example.test\nSubject: old\n\nold\n";
  const second = "From: a@example.test\nTo: b@example.test\nSubject: new\n\n" +
    "the whole new report, longer than the old one\n";
  let writer: Deno.FsFile | null = null;
  let isRewritten = false;
  const restore = watchClaimReads({
    bytesRead: { total: 0 },
    beforeRead: () => {
      if (isRewritten) return;
      isRewritten = true;
      writer?.truncateSync(0);
      writer?.seekSync(0, Deno.SeekMode.Start);
      writer?.writeSync(new TextEncoder().encode(second));
    },
  });
  try {
    await watcher.start();
    // The producer keeps the file open and rewrites it (`>` again) just as the server reads it.
    writer = Deno.openSync(path, { write: true, createNew: true });
    writer.writeSync(new TextEncoder().encode(first));
    await waitFor("the file queued", () => lines.some((line) => line.includes("event=msg.queued")));
    const qids = await spool.list();
    assert.equal(qids.length, 1, "one message in the queue");
    const { bytes, messageOffset } = await spool.read(qids[0]!);
    const queued = new TextDecoder().decode(bytes.subarray(messageOffset));
    assert.ok(isRewritten, "the file was rewritten during the read");
    assert.match(queued, /the whole new report, longer than the old one\r\n$/);
  } finally {
    restore();
    writer?.close();
    await close();
  }
});

Deno.test("a pickup file grown past the size limit after the look is not read (the limit was checked at the look)", async () => {
  const maxMessageBytes = 1000;
  const { spoolDir, lines, watcher, close } = await newWatcher({ maxMessageBytes });
  const bytesRead = { total: 0 };
  let isGrown = false;
  const restore = watchClaimReads({
    bytesRead,
    // The producer (a member of the pickup group, say) extends its file once it is claimed.
    beforeOpen: (path) => {
      if (isGrown) return;
      isGrown = true;
      Deno.truncateSync(path, 64 * 1024 * 1024);
    },
  });
  try {
    await watcher.start();
    Deno.writeTextFileSync(
      join(spoolDir, "pickup", "grows"),
      "From: a@example.test\nTo: b@example.test\n\nhi\n",
    );
    await waitFor(
      "the file moved aside",
      () => lines.some((line) => line.includes("event=pickup.rejected")),
    );
    assert.ok(isGrown, "the file grew after the look");
    assert.ok(
      bytesRead.total <= 2 * maxMessageBytes,
      `read ${bytesRead.total} bytes of a file past the limit`,
    );
    const reason = join(spoolDir, "pickup-rejected", "grows.reason");
    assert.match(Deno.readTextFileSync(reason), /size limit \(1000 bytes\)/);
  } finally {
    restore();
    await close();
  }
});
