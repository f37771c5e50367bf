import assert from "node:assert/strict";
import { encodeDataBody, hasBareLineEnding } from "../../src/smtp/mod.ts";

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
