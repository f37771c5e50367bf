import assert from "node:assert/strict";
import { dotStuff, headerAndBodyLines } from "../../src/mail/mod.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const STUFF_CASES: [string, string, string][] = [
  ["dotStuff() leaves a message without leading dots unchanged", "a\r\nb\r\n", "a\r\nb\r\n"],
  ["dotStuff() doubles a dot at the start of a line", "a\r\n.b\r\n.\r\n", "a\r\n..b\r\n..\r\n"],
  ["dotStuff() doubles a dot on the very first line", ".x\r\n", "..x\r\n"],
  ["dotStuff() leaves dots inside a line alone", "a.b\r\n", "a.b\r\n"],
  ["dotStuff() turns a bare LF into CRLF", "a\nb\n", "a\r\nb\r\n"],
  ["dotStuff() adds a missing final CRLF", "a\r\nlast", "a\r\nlast\r\n"],
  ["dotStuff() keeps an empty message empty", "", ""],
  ["dotStuff() stuffs a dot after a bare LF", "a\n.b", "a\r\n..b\r\n"],
  ["dotStuff() keeps a bare CR inside a line by default", "a\r.b\r\n", "a\r.b\r\n"],
];

for (const [name, input, expected] of STUFF_CASES) {
  Deno.test(name, () => {
    assert.equal(decoder.decode(dotStuff(encoder.encode(input))), expected);
  });
}

Deno.test("dotStuff() returns its input itself when there is nothing to change", () => {
  const input = encoder.encode("a\r\nb\r\n");
  assert.equal(dotStuff(input), input);
});

const OPTION_CASES: [string, string, string][] = [
  ["dotStuff() with isBareCrLineEnd turns a bare CR into CRLF", "a\rb", "a\r\nb\r\n"],
  ["dotStuff() with isBareCrLineEnd stuffs a dot after a bare CR", "a\r.b\r\n", "a\r\n..b\r\n"],
  ["dotStuff() with isBareCrLineEnd keeps CR CR LF as two line ends", "a\r\r\n", "a\r\n\r\n"],
];

for (const [name, input, expected] of OPTION_CASES) {
  Deno.test(name, () => {
    const out = dotStuff(encoder.encode(input), { isBareCrLineEnd: true });
    assert.equal(decoder.decode(out), expected);
  });
}

Deno.test("dotStuff() with isTerminated ends even an empty message with a dot line", () => {
  assert.equal(decoder.decode(dotStuff(new Uint8Array(), { isTerminated: true })), ".\r\n");
  assert.equal(decoder.decode(dotStuff(encoder.encode("x"), { isTerminated: true })), "x\r\n.\r\n");
});

const TOP_CASES: [string, string, number, string][] = [
  [
    "headerAndBodyLines() with 0 lines returns the header and its blank line",
    "A: 1\r\nB: 2\r\n\r\nx\r\ny\r\n",
    0,
    "A: 1\r\nB: 2\r\n\r\n",
  ],
  [
    "headerAndBodyLines() adds the requested body lines",
    "A: 1\r\n\r\nx\r\ny\r\nz\r\n",
    2,
    "A: 1\r\n\r\nx\r\ny\r\n",
  ],
  [
    "headerAndBodyLines() stops at the end of a short body",
    "A: 1\r\n\r\nx\r\n",
    10,
    "A: 1\r\n\r\nx\r\n",
  ],
  [
    "headerAndBodyLines() treats a message without a blank line as all header",
    "A: 1\r\n",
    3,
    "A: 1\r\n",
  ],
  ["headerAndBodyLines() understands bare LF messages", "A: 1\n\nx\ny\n", 1, "A: 1\n\nx\n"],
];

for (const [name, input, lines, expected] of TOP_CASES) {
  Deno.test(name, () => {
    assert.equal(decoder.decode(headerAndBodyLines(encoder.encode(input), lines)), expected);
  });
}
