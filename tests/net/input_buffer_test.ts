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
