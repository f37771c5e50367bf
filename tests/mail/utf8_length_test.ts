import assert from "node:assert/strict";
import { utf8Length } from "../../src/mail/utf8_length.ts";

const encoder = new TextEncoder();

const CASES: [string, string][] = [
  ["the empty string", ""],
  ["ASCII", "bob@example.com"],
  ["a DEL and a NUL", "\x7f\x00"],
  ["two-octet letters", "café müller"],
  ["the last two-octet code point", "\u07ff"],
  ["the first three-octet code point", "\u0800"],
  ["CJK", "用户@例子.广告"],
  ["the last BMP code point", "\uffff"],
  ["a pair (emoji)", "a😀b"],
  ["pairs back to back", "😀😀😀"],
  ["the highest code point", "\u{10ffff}"],
  ["a lone high surrogate at the end", "ab\ud800"],
  ["a lone high surrogate before ASCII", "\ud800x"],
  ["a lone low surrogate", "x\udc00y"],
  ["two high surrogates then a low", "\ud800\ud800\udc00"],
  ["a low then a high surrogate", "\udc00\ud800"],
];

for (const [name, text] of CASES) {
  Deno.test(`utf8Length counts what TextEncoder writes: ${name}`, () => {
    assert.equal(utf8Length(text), encoder.encode(text).length);
  });
}
