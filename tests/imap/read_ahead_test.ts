import assert from "node:assert/strict";
import { readAhead } from "../../src/imap/read_ahead.ts";

/** Reads that finish in reverse order of starting, recording how many were in flight. */
function slowReads(sizes: number[]) {
  let inFlight = 0;
  let maxInFlight = 0;
  let bytes = 0;
  let maxBytes = 0;
  const read = async (i: number) => {
    inFlight++;
    bytes += sizes[i]!;
    maxInFlight = Math.max(maxInFlight, inFlight);
    maxBytes = Math.max(maxBytes, bytes);
    await new Promise((resolve) => setTimeout(resolve, (sizes.length - i) % 4));
    inFlight--;
    bytes -= sizes[i]!;
    if (sizes[i] === 13) throw new Error(`unlucky ${i}`);
    return `message ${i}`;
  };
  return { read, stats: () => ({ maxInFlight, maxBytes }) };
}

Deno.test("readAhead() yields in order, carries failures to their turn, keeps to its window", async () => {
  const sizes = [5, 5, 13, 5, 5, 5, 5, 5, 13, 5, 5, 5];
  const { read, stats } = slowReads(sizes);
  const seen: string[] = [];
  for await (
    const { item, result } of readAhead(sizes.map((_, i) => i), {
      read,
      sizeOf: (i) => sizes[i]!,
      maxFiles: 4,
      maxBytes: 1000,
    })
  ) {
    seen.push(result.ok ? result.value : `failed ${item}: ${(result.error as Error).message}`);
  }
  assert.deepEqual(
    seen,
    sizes.map((size, i) => size === 13 ? `failed ${i}: unlucky ${i}` : `message ${i}`),
  );
  assert.equal(stats().maxInFlight, 4);
});

Deno.test("readAhead() keeps the bytes in flight under its budget, but always reads one", async () => {
  const sizes = [40, 40, 40, 100, 10, 10];
  const { read, stats } = slowReads(sizes);
  let count = 0;
  for await (
    const _ of readAhead(sizes.map((_, i) => i), {
      read,
      sizeOf: (i) => sizes[i]!,
      maxFiles: 16,
      maxBytes: 90,
    })
  ) count++;
  assert.equal(count, sizes.length);
  // 100 alone is over the budget: it is read by itself, never with others.
  assert.equal(stats().maxBytes, 100);
  assert.ok(stats().maxInFlight <= 2);
});

Deno.test("readAhead() with nothing to read yields nothing", async () => {
  for await (
    const _ of readAhead([], {
      read: () => Promise.resolve(1),
      sizeOf: () => 0,
      maxFiles: 4,
      maxBytes: 10,
    })
  ) assert.fail("nothing expected");
});
