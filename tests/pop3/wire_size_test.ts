import assert from "node:assert/strict";
import { dotStuff } from "../../src/mail/mod.ts";
import { wireSizeOf } from "../../src/pop3/wire_size.ts";

const CASES: [string, string][] = [
  ["an empty message stays empty", ""],
  ["CRLF lines count as stored", "A: b\r\n\r\nbody\r\n"],
  ["each bare LF counts one more octet", "A: b\n\nbody\n"],
  ["a missing final line end counts two more", "A: b\r\n\r\nlast"],
  ["a leading LF is bare", "\nx\r\n"],
  ["a bare CR stays content", "a\rb\r\n"],
];

for (const [name, text] of CASES) {
  Deno.test(`wireSizeOf(): ${name}`, () => {
    const bytes = new TextEncoder().encode(text);
    // dotStuff() sends the CRLF form; no line here starts with a dot.
    assert.equal(wireSizeOf(bytes), dotStuff(bytes).length);
  });
}
