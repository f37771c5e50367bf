import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { concat, MessageBuffer } from "../../src/spool/message_buffer.ts";

/** Bytes that differ from position to position, so a misplaced piece shows. */
function pattern(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 7 + seed) & 0xff);
}

const appendCases: { name: string; sizes: number[] }[] = [
  { name: "nothing", sizes: [] },
  { name: "an empty append", sizes: [0] },
  { name: "one small piece", sizes: [5000] },
  { name: "pieces that fill a block exactly", sizes: [8192, 8192] },
  { name: "pieces that cross a block", sizes: [16383, 2, 16384] },
  { name: "one piece bigger than a block", sizes: [40_000] },
  { name: "many small pieces", sizes: Array.from({ length: 500 }, (_, i) => 1 + (i * 37) % 200) },
  { name: "small, big, small", sizes: [10, 70_000, 10, 0, 3] },
];

for (const c of appendCases) {
  Deno.test(`MessageBuffer holds ${c.name} in order, and its head at any limit`, async () => {
    const buffer = new MessageBuffer("/nonexistent/never-spilled");
    const sources = c.sizes.map((size, i) => pattern(size, i));
    for (const source of sources) buffer.append(source);
    const expected = concat(sources);
    // Appends are copies: what the caller does to its buffer later changes nothing.
    for (const source of sources) source.fill(0);
    assert.equal(buffer.size, expected.length);
    for (const limit of [0, 1, 100, 16_384, expected.length, expected.length + 1]) {
      assert.deepEqual(await buffer.head(limit), expected.subarray(0, limit), `head(${limit})`);
    }
    const { spillFile, tail } = await buffer.finish();
    assert.equal(spillFile, null);
    assert.deepEqual(concat(tail), expected);
  });
}

Deno.test("MessageBuffer appends after a head() do not change what head() returned", async () => {
  const buffer = new MessageBuffer("/nonexistent/never-spilled");
  buffer.append(pattern(100, 1));
  const head = (await buffer.head(1000)).slice();
  const view = await buffer.head(1000);
  buffer.append(pattern(100, 2));
  assert.deepEqual(view, head);
  assert.deepEqual(
    concat((await buffer.finish()).tail),
    concat([pattern(100, 1), pattern(100, 2)]),
  );
});

Deno.test("MessageBuffer spills a big message to its file and keeps the rest in memory", async () => {
  const dir = makeTestDir();
  try {
    const path = `${dir}/spill`;
    const buffer = new MessageBuffer(path);
    const sources = Array.from({ length: 70 }, (_, i) => pattern(10_000, i)); // 700 KB
    for (const source of sources) buffer.append(source);
    const expected = concat(sources);
    assert.deepEqual(await buffer.head(30_000), expected.subarray(0, 30_000));
    const { spillFile, tail } = await buffer.finish();
    assert.equal(spillFile, path);
    assert.deepEqual(concat([await Deno.readFile(path), ...tail]), expected);
    await buffer.discard();
    await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("MessageBuffer fed faster than its file writes asks the reader to wait, and loses nothing", async () => {
  const dir = makeTestDir();
  try {
    const path = `${dir}/spill`;
    const buffer = new MessageBuffer(path);
    assert.equal(buffer.backlog(), null, "nothing spilled, nothing to wait for");
    const sources = Array.from({ length: 96 }, (_, i) => pattern(64 * 1024, i)); // 6 MB at once
    for (const source of sources) buffer.append(source);
    // Appends are synchronous and the file writes are not: most of it is still on its way.
    assert.ok(buffer.unwrittenBytes > 1024 * 1024, `unwritten: ${buffer.unwrittenBytes}`);
    const backlog = buffer.backlog();
    assert.ok(backlog !== null, "a reader must wait");
    await backlog;
    assert.equal(buffer.unwrittenBytes, 0);
    assert.equal(buffer.backlog(), null);
    const { spillFile, tail } = await buffer.finish();
    assert.equal(spillFile, path);
    assert.deepEqual(concat([await Deno.readFile(path), ...tail]), concat(sources));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("MessageBuffer whose spill failed gives no head: the error, not a head with a gap", async () => {
  const dir = makeTestDir();
  // The spill file cannot be made: its folder is missing (as a full disk would fail it).
  const buffer = new MessageBuffer(`${dir}/missing/spill`);
  const sources = Array.from({ length: 70 }, (_, i) => pattern(10_000, i)); // 700 KB
  for (const source of sources) buffer.append(source);
  // The old head() gave the in-memory tail as if it were the message's start, which the
  // header checks (Received count, Date, Message-ID) would then have read.
  await assert.rejects(buffer.head(30_000), Deno.errors.NotFound);
  await assert.rejects(buffer.finish(), Deno.errors.NotFound);
  await buffer.discard();
});

Deno.test("MessageBuffer: the next message's block holds nothing of a discarded one", async () => {
  const first = new MessageBuffer("/nonexistent/never-spilled");
  first.append(pattern(5000, 3));
  await first.finish();
  await first.discard();
  const second = new MessageBuffer("/nonexistent/never-spilled");
  second.append(Uint8Array.of(42));
  const head = await second.head(10);
  assert.deepEqual(head, Uint8Array.of(42));
  // Blocks are reused: the bytes past the new message must be zeros, not the last sender's.
  const block = new Uint8Array(head.buffer, head.byteOffset, 5000);
  assert.ok(block.subarray(1).every((byte) => byte === 0), "a reused block is zeroed");
  await second.discard();
});
