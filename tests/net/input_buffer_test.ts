/** InputBuffer: unread bytes stay in order across compaction and growth. */
import assert from "node:assert/strict";
import { InputBuffer } from "../../src/net/input_buffer.ts";

function bytes(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 13 + seed) & 0xff);
}

const cases: { name: string; steps: ({ append: number } | { consume: number })[] }[] = [
  { name: "appends within the first array", steps: [{ append: 100 }, { append: 200 }] },
  {
    name: "a consume, then an append that compacts in place",
    steps: [{ append: 4000 }, { consume: 3900 }, { append: 1000 }],
  },
  {
    name: "an append that grows the array",
    steps: [{ append: 3000 }, { consume: 10 }, { append: 9000 }],
  },
  {
    name: "one piece far bigger than the array",
    steps: [{ append: 100_000 }, { consume: 99_999 }, { append: 5 }],
  },
  { name: "everything read, then more", steps: [{ append: 50 }, { consume: 50 }, { append: 7 }] },
  {
    // Only an emptied array is let go: what is still unread of a big burst stays.
    name: "a burst past the kept size read a line at a time",
    steps: [{ append: 200_000 }, { consume: 10 }, { consume: 100 }, { append: 3 }],
  },
];

for (const { name, steps } of cases) {
  Deno.test(`InputBuffer: ${name}`, () => {
    const buffer = new InputBuffer();
    let expected: number[] = [];
    steps.forEach((step, i) => {
      if ("append" in step) {
        const piece = bytes(step.append, i);
        buffer.append(piece);
        piece.fill(0); // a copy was taken
        expected = expected.concat([...bytes(step.append, i)]);
      } else {
        buffer.consume(step.consume);
        expected = expected.slice(step.consume);
      }
      assert.equal(buffer.size, expected.length);
      assert.deepEqual([...buffer.unread()], expected);
    });
    buffer.clear();
    assert.equal(buffer.size, 0);
  });
}

Deno.test("InputBuffer: an array grown for a burst is let go once the burst is read", () => {
  const buffer = new InputBuffer();
  // A 400 KB body pipelined ahead of its 354, arriving in socket reads while RCPT is checked.
  const reads = Array.from({ length: 25 }, (_, i) => bytes(16 * 1024, i));
  for (const read of reads) buffer.append(read);
  const burst = buffer.unread();
  assert.ok(burst.buffer.byteLength >= 400 * 1024, "the burst is held while unread");
  const kept = burst.slice(0, 100);
  buffer.consume(buffer.size);
  // The session now idles: it must not keep 400 KB for its lifetime.
  const held = buffer.unread().buffer.byteLength;
  assert.ok(held <= 64 * 1024, `an emptied buffer holds ${held} bytes`);
  assert.deepEqual(burst.subarray(0, 100), kept, "a view handed out before still reads the same");
  buffer.append(bytes(10, 99));
  assert.deepEqual([...buffer.unread()], [...bytes(10, 99)]);
});

Deno.test("InputBuffer: steady reads taken as they come keep one array", () => {
  const buffer = new InputBuffer();
  for (let i = 0; i < 3; i++) { // the first reads size the array
    buffer.append(bytes(16 * 1024, i));
    buffer.consume(buffer.size);
  }
  const array = buffer.unread().buffer;
  for (let i = 3; i < 100; i++) {
    buffer.append(bytes(16 * 1024, i));
    buffer.consume(buffer.size);
  }
  assert.equal(buffer.unread().buffer, array, "no array made per read");
});

Deno.test("InputBuffer: input held at the pause mark fits 128 KB, however the array started", () => {
  const buffer = new InputBuffer();
  buffer.append(bytes(27, 0)); // a command line, then its literal's bytes in socket reads
  while (buffer.size < 80 * 1024) buffer.append(bytes(16 * 1024, buffer.size));
  const held = buffer.unread().buffer.byteLength;
  assert.ok(held <= 128 * 1024, `${buffer.size} unread bytes held in an array of ${held}`);
});

Deno.test("InputBuffer: input appended after release is kept, not a hang", () => {
  // Nothing appends after a close today; a late read that did would have looped for ever
  // doubling a zero-length array.
  const buffer = new InputBuffer();
  buffer.append(bytes(10, 1));
  buffer.release();
  assert.equal(buffer.size, 0);
  buffer.append(bytes(5000, 2));
  assert.deepEqual([...buffer.unread()], [...bytes(5000, 2)]);
});

Deno.test("InputBuffer: a closed connection's array comes to the next one zeroed", () => {
  const first = new InputBuffer();
  first.append(bytes(3000, 5));
  first.release();
  const second = new InputBuffer();
  second.append(Uint8Array.of(7));
  const unread = second.unread();
  assert.deepEqual(unread, Uint8Array.of(7));
  // Arrays are reused: what the last client sent (an AUTH line) must not be behind the new input.
  const array = new Uint8Array(unread.buffer, unread.byteOffset, 3000);
  assert.ok(array.subarray(1).every((byte) => byte === 0), "a reused array is zeroed");
});
