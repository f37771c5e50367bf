import assert from "node:assert/strict";
import { flush, flushInlineWhen } from "../../src/spool/flush.ts";

/** A stand-in file that records which flush was called, and can be slow inline. */
function fakeFile(options: { inlineMs?: number } = {}) {
  const calls: string[] = [];
  const busyWait = () => {
    const until = performance.now() + (options.inlineMs ?? 0);
    while (performance.now() < until) { /* a slow disk */ }
  };
  const file = {
    syncData: () => (calls.push("syncData"), Promise.resolve()),
    sync: () => (calls.push("sync"), Promise.resolve()),
    syncDataSync: () => (busyWait(), calls.push("syncDataSync")),
    syncSync: () => (busyWait(), calls.push("syncSync")),
  };
  return { file: file as unknown as Deno.FsFile, calls };
}

Deno.test("flush() uses the pool unless one client is all the server serves", async (t) => {
  const cases: [string, boolean, "data" | "all", string][] = [
    ["default, data", false, "data", "syncData"],
    ["default, all", false, "all", "sync"],
    ["one client, data", true, "data", "syncDataSync"],
    ["one client, all", true, "all", "syncSync"],
  ];
  try {
    for (const [name, isServingOne, what, expected] of cases) {
      await t.step(name, async () => {
        flushInlineWhen(() => isServingOne);
        const { file, calls } = fakeFile();
        await flush(file, what);
        assert.deepEqual(calls, [expected]);
      });
    }
  } finally {
    flushInlineWhen(() => false);
  }
});

Deno.test("flush() goes back to the pool for a while after a slow inline flush", async () => {
  try {
    flushInlineWhen(() => true);
    const slow = fakeFile({ inlineMs: 20 });
    await flush(slow.file, "data");
    assert.deepEqual(slow.calls, ["syncDataSync"]);
    const next = fakeFile();
    await flush(next.file, "data");
    await flush(next.file, "all");
    assert.deepEqual(next.calls, ["syncData", "sync"], "a busy disk must not stall the event loop");
  } finally {
    flushInlineWhen(() => false);
  }
});
