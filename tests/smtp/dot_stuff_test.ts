import assert from "node:assert/strict";
import { encodeDataBlocks, encodeDataBody, hasBareLineEnding } from "../../src/smtp/mod.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const CASES: { name: string; input: string; wire: string }[] = [
  {
    name: "a plain message gains only the terminator",
    input: "a\r\nb\r\n",
    wire: "a\r\nb\r\n.\r\n",
  },
  { name: "a leading dot is doubled", input: ".x\r\n", wire: "..x\r\n.\r\n" },
  {
    name: "a lone dot line becomes two dots",
    input: "a\r\n.\r\nb\r\n",
    wire: "a\r\n..\r\nb\r\n.\r\n",
  },
  { name: "a dot inside a line is left alone", input: "a.b\r\n", wire: "a.b\r\n.\r\n" },
  { name: "a missing final CRLF is added", input: "a\r\nlast", wire: "a\r\nlast\r\n.\r\n" },
  { name: "an empty message is just the terminator", input: "", wire: ".\r\n" },
  { name: "a bare LF becomes CRLF", input: "a\nb\r\n", wire: "a\r\nb\r\n.\r\n" },
  { name: "a bare CR becomes CRLF", input: "a\rb\r\n", wire: "a\r\nb\r\n.\r\n" },
  {
    name: "the smuggling sequence LF dot LF cannot end the data",
    input: "a\n.\nMAIL FROM:<x@y>\r\n",
    wire: "a\r\n..\r\nMAIL FROM:<x@y>\r\n.\r\n",
  },
  {
    name: "CR dot CR LF is normalised and stuffed",
    input: "a\r.\r\nb\r\n",
    wire: "a\r\n..\r\nb\r\n.\r\n",
  },
  { name: "a dot after a bare LF is stuffed", input: "x\n.y\r\n", wire: "x\r\n..y\r\n.\r\n" },
  { name: "CR CR LF is two line ends", input: "a\r\r\n", wire: "a\r\n\r\n.\r\n" },
];

for (const { name, input, wire } of CASES) {
  Deno.test(`encodeDataBody(): ${name}`, () => {
    assert.equal(decoder.decode(encodeDataBody(encoder.encode(input))), wire);
  });
}

Deno.test("encodeDataBody() keeps 8-bit bytes untouched", () => {
  const input = new Uint8Array([0xc3, 0xa9, 13, 10, 0xff, 13, 10]);
  assert.deepEqual([...encodeDataBody(input)], [0xc3, 0xa9, 13, 10, 0xff, 13, 10, 46, 13, 10]);
});

const BARE: [string, boolean][] = [
  ["a\r\nb\r\n", false],
  ["a\nb", true],
  ["a\rb", true],
  ["\n", true],
  ["a\r", true],
  ["", false],
];
for (const [input, expected] of BARE) {
  Deno.test(`hasBareLineEnding() is ${expected} for ${JSON.stringify(input)}`, () => {
    assert.equal(hasBareLineEnding(encoder.encode(input)), expected);
  });
}

/** Messages whose dots, CRs and LFs fall on every side of a block edge. */
const BLOCK_CASES: string[] = [
  ...CASES.map((c) => c.input),
  ".a\r\n.b\r\n..c\r\n.\r\n.",
  "a\r\r\n\r\n\n\r.\r\n.\n.",
  "x".repeat(50) + "\r\n." + "y".repeat(50),
  "line one\r\nline two\rline three\nline four\r\n",
  "\r\n".repeat(40) + ".",
  "no line end at all, and longer than a block",
];

for (const blockBytes of [1, 2, 3, 7, 16, 64, 16 * 1024]) {
  Deno.test(`encodeDataBlocks() in blocks of ${blockBytes} joins to encodeDataBody()`, () => {
    for (const input of BLOCK_CASES) {
      const bytes = encoder.encode(input);
      const blocks = [...encodeDataBlocks(bytes, blockBytes)];
      const joined = new Uint8Array(blocks.reduce((sum, block) => sum + block.length, 0));
      let offset = 0;
      for (const block of blocks) {
        joined.set(block, offset);
        offset += block.length;
      }
      assert.equal(
        decoder.decode(joined),
        decoder.decode(encodeDataBody(bytes)),
        JSON.stringify(input),
      );
      // Whole lines per block: only the last one ends the data.
      assert.ok(blocks.slice(0, -1).every((block) => block.length > 0), JSON.stringify(input));
    }
  });
}

Deno.test("encodeDataBlocks() cuts after the first LF once a block holds blockBytes", () => {
  // 40 lines of 5 octets: a big message must go out in blocks, never copied whole.
  const bytes = encoder.encode("abc\r\n".repeat(40));
  const lengths = (blockBytes: number) =>
    [...encodeDataBlocks(bytes, blockBytes)].map((block) => block.length);
  // An LF at the block's last octet ends it there; the last block carries ".\r\n".
  assert.deepEqual(lengths(10), [...Array(19).fill(10), 10 + 3]);
  // Else the block runs on to the next LF.
  assert.deepEqual(lengths(11), [...Array(13).fill(15), 5 + 3]);
});
