/**
 * Messages being received hold a bounded amount of memory together, however
 * many sessions stall in the middle of one: each may keep up to 512 KB in
 * memory while it is alone, but once all of them together hold more than the
 * shared limit (8 MiB) they spill into their files. Counted in bytes the
 * buffers hand back from memory (`finish().tail`), not in time.
 */
import assert from "node:assert/strict";
import { makeTestDir } from "../temp_dirs.ts";
import { concat, MessageBuffer } from "../../src/spool/message_buffer.ts";
import { incomingMemory, SHARED_MEMORY_BYTES } from "../../src/spool/incoming_memory.ts";

/** Bytes that differ from position to position, so a misplaced piece shows. */
function pattern(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 7 + seed) & 0xff);
}

/** As many stalled sessions as one client address may open with the default limits. */
const SESSIONS = 64;
const MESSAGE_BYTES = 400 * 1024; // under the 512 KB a lone message keeps in memory
/** As a socket hands them over. */
const READ_BYTES = 16 * 1024;
/** The shared limit (8 MiB) plus, for each message, a block or two it fills before it spills. */
const BOUND_BYTES = 8 * 1024 * 1024 + SESSIONS * 2 * READ_BYTES;

Deno.test("messages of many stalled sessions hold a bounded amount of memory together", async () => {
  const dir = makeTestDir();
  const buffers: MessageBuffer[] = [];
  try {
    const sources = Array.from({ length: SESSIONS }, (_, i) => pattern(MESSAGE_BYTES, i));
    for (const [i, source] of sources.entries()) {
      const buffer = new MessageBuffer(`${dir}/in-${i}`);
      buffers.push(buffer);
      for (let at = 0; at < source.length; at += READ_BYTES) {
        buffer.append(source.subarray(at, at + READ_BYTES));
      }
    }
    let heldBytes = 0;
    let spilled = 0;
    for (const [i, buffer] of buffers.entries()) {
      const { spillFile, tail } = await buffer.finish();
      for (const chunk of tail) heldBytes += chunk.length;
      const onDisk = spillFile === null ? new Uint8Array() : await Deno.readFile(spillFile);
      if (spillFile !== null) spilled++;
      assert.deepEqual(concat([onDisk, ...tail]), sources[i], `message ${i} whole and in order`);
    }
    assert.ok(
      heldBytes <= BOUND_BYTES,
      `${SESSIONS} messages of ${MESSAGE_BYTES} bytes hold ${heldBytes} bytes in memory ` +
        `(${spilled} spilled); at most ${BOUND_BYTES} expected`,
    );
  } finally {
    for (const buffer of buffers) await buffer.discard();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("once the stalled messages are gone, a lone message keeps its bytes in memory again", async () => {
  const dir = makeTestDir();
  try {
    const crowd = Array.from({ length: SESSIONS }, (_, i) => new MessageBuffer(`${dir}/in-${i}`));
    for (const buffer of crowd) buffer.append(pattern(MESSAGE_BYTES, 1));
    for (const buffer of crowd) await buffer.discard();
    const lone = new MessageBuffer(`${dir}/lone`);
    lone.append(pattern(MESSAGE_BYTES, 2));
    const { spillFile, tail } = await lone.finish();
    await lone.discard();
    assert.equal(spillFile, null, "what the discarded messages held is no longer counted");
    assert.deepEqual(concat(tail), pattern(MESSAGE_BYTES, 2));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a message spilled early under pressure still shows its whole head", async () => {
  // Other sessions' messages hold the shared limit: this one spills each 16 KB read, so its
  // file holds 32 KB and the rest of a 40 KB header stays in memory. The header checks (a
  // mail loop's 101 Received fields, the submission's Date) read that head.
  const dir = makeTestDir();
  const buffer = new MessageBuffer(`${dir}/in`);
  incomingMemory.take(SHARED_MEMORY_BYTES);
  try {
    const source = pattern(40 * 1024, 4);
    for (let at = 0; at < source.length; at += READ_BYTES) {
      buffer.append(source.subarray(at, at + READ_BYTES));
    }
    const head = await buffer.head(256 * 1024);
    assert.equal(head.length, source.length, `head of ${head.length} bytes`);
    assert.deepEqual(head, source);
    assert.deepEqual(await buffer.head(20_000), source.subarray(0, 20_000), "cut at the limit");
    const { spillFile } = await buffer.finish();
    assert.notEqual(spillFile, null, "spilled, as under pressure it should");
  } finally {
    incomingMemory.give(SHARED_MEMORY_BYTES);
    await buffer.discard();
    await Deno.remove(dir, { recursive: true });
  }
});
