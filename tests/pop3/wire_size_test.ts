import assert from "node:assert/strict";
import { dotStuff } from "../../src/mail/mod.ts";
import { WireSizeCount, wireSizeOf } from "../../src/pop3/wire_size.ts";

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

for (const [name, text] of [...CASES, ["a CRLF split between pieces", "a\r\nb\nc\r"]]) {
  Deno.test(`WireSizeCount: ${name}, cut into two pieces anywhere, counts as wireSizeOf()`, () => {
    const bytes = new TextEncoder().encode(text);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const count = new WireSizeCount();
      count.add(bytes.subarray(0, cut));
      count.add(bytes.subarray(cut));
      assert.equal(count.total, wireSizeOf(bytes), `cut at ${cut}`);
    }
  });
}
