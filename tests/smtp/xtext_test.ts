import assert from "node:assert/strict";
import { decodeXtext, encodeXtext, isXtext } from "../../src/smtp/mod.ts";

const decodeCases: { name: string; text: string; expected: string | null }[] = [
  { name: "takes plain xchars as themselves", text: "abc-123@x.test", expected: "abc-123@x.test" },
  { name: "takes the empty string", text: "", expected: "" },
  { name: "decodes +2B as a plus", text: "a+2Bb", expected: "a+b" },
  { name: "decodes +3D as an equals sign", text: "k+3Dv", expected: "k=v" },
  { name: "decodes +20 as a space", text: "two+20words", expected: "two words" },
  { name: "decodes a hexchar for an xchar too", text: "+41+42C", expected: "ABC" },
  { name: "decodes +2B+2B as two pluses", text: "+2B+2B", expected: "++" },
  { name: "decodes a control character (the caller judges it)", text: "a+0Db", expected: "a\rb" },
  { name: "decodes UTF-8 octets", text: "j+C3+B6rg", expected: "jörg" },
  { name: "refuses lower-case hex digits", text: "a+2bb", expected: null },
  { name: "refuses a plus at the end", text: "abc+", expected: null },
  { name: "refuses a plus with one hex digit", text: "abc+4", expected: null },
  { name: "refuses a plus followed by non-hex", text: "+GG", expected: null },
  { name: "refuses a bare equals sign", text: "a=b", expected: null },
  { name: "refuses a space", text: "a b", expected: null },
  { name: "refuses a tab", text: "a\tb", expected: null },
  { name: "refuses DEL", text: "a\x7f", expected: null },
  { name: "refuses a NUL", text: "a\0", expected: null },
  { name: "refuses a raw non-ASCII character", text: "jörg", expected: null },
  { name: "refuses octets that are not UTF-8", text: "+FF+FE", expected: null },
  { name: "refuses a lone UTF-8 lead octet", text: "a+C3", expected: null },
];

for (const c of decodeCases) {
  Deno.test(`decodeXtext() ${c.name}`, () => {
    assert.equal(decodeXtext(c.text), c.expected);
  });
}

Deno.test("isXtext() tells the syntax alone: octets that are not UTF-8 are still xtext", () => {
  assert.equal(isXtext("+FF+FE"), true);
  assert.equal(isXtext("a+2b"), false);
  assert.equal(isXtext("a=b"), false);
});

const encodeCases: { name: string; text: string; expected: string }[] = [
  { name: "keeps xchars", text: "a.b@c.test", expected: "a.b@c.test" },
  { name: 'keeps "!" and "~", the ends of the xchar range', text: "!x~", expected: "!x~" },
  { name: "encodes a plus", text: "a+b", expected: "a+2Bb" },
  { name: "encodes an equals sign", text: "a=b", expected: "a+3Db" },
  { name: "encodes a space", text: "a b", expected: "a+20b" },
  { name: "encodes CR and LF", text: "a\r\nb", expected: "a+0D+0Ab" },
  { name: "encodes NUL with two digits", text: "\0", expected: "+00" },
  { name: "encodes DEL", text: "\x7f", expected: "+7F" },
  { name: "encodes UTF-8 octet by octet", text: "ö", expected: "+C3+B6" },
];

for (const c of encodeCases) {
  Deno.test(`encodeXtext() ${c.name}`, () => {
    assert.equal(encodeXtext(c.text), c.expected);
    assert.equal(decodeXtext(c.expected), c.text, "decodes back");
  });
}

Deno.test("encodeXtext() and decodeXtext() round-trip every ASCII character", () => {
  let all = "";
  for (let code = 0; code < 128; code++) all += String.fromCharCode(code);
  const encoded = encodeXtext(all);
  assert.ok(isXtext(encoded));
  assert.equal(decodeXtext(encoded), all);
});
