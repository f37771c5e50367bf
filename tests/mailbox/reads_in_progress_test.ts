import assert from "node:assert/strict";
import { ReadsInProgress } from "../../src/mailbox/reads_in_progress.ts";

Deno.test("whenIdle() resolves at once for a file nobody reads", async () => {
  const reads = new ReadsInProgress();
  await reads.whenIdle("1.M1.host");
  assert.equal(reads.has("1.M1.host"), false);
});

Deno.test("whenIdle() resolves only once the last of two reads of the file has ended", async () => {
  const reads = new ReadsInProgress();
  const releases: (() => void)[] = [];
  const read = () => new Promise<void>((resolve) => releases.push(resolve));
  const first = reads.around("a", read);
  const second = reads.around("a", read);
  let isIdle = false;
  const idle = reads.whenIdle("a").then(() => isIdle = true);
  releases[0]!();
  await first;
  assert.equal(isIdle, false, "one read is still going");
  releases[1]!();
  await second;
  await idle;
  assert.equal(isIdle, true);
  assert.equal(reads.has("a"), false);
});

Deno.test("a read that fails still ends: whenIdle() resolves", async () => {
  const reads = new ReadsInProgress();
  const failing = reads.around("b", () => Promise.reject(new Error("EIO")));
  const idle = reads.whenIdle("b");
  await assert.rejects(failing, /EIO/);
  await idle;
});
