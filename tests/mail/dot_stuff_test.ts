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
];

for (const [name, input, expected] of STUFF_CASES) {
  Deno.test(name, () => {
    assert.equal(decoder.decode(dotStuff(encoder.encode(input))), expected);
  });
}

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
