import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { decodeHeaderText } from "../../src/mail/encoded_words.ts";

/** UTF-8 text -> binary string (one char per byte), as header bytes are read from disk. */
const binary = (text: string) => Buffer.from(text, "utf8").toString("latin1");

// RFC 2047 2: encoded-word = "=?" charset "?" encoding "?" encoded-text "?=", with
// encoded-text = 1*<printable ASCII other than "?" or SPACE>. Whatever does not
// match is not an encoded word and is shown as written (RFC 2047 6.1, 6.3); only
// blanks between two real encoded words are dropped (RFC 2047 6.2).
const CASES: { name: string; input: string; readsAs: string }[] = [
  {
    name: "leaves a Q word with empty encoded text as written",
    input: "=?utf-8?q??=",
    readsAs: "=?utf-8?q??=",
  },
  {
    name: "leaves a B word with empty encoded text as written",
    input: "=?utf-8?b??=",
    readsAs: "=?utf-8?b??=",
  },
  {
    name: "keeps the text around an empty word, blanks included",
    input: "Price =?utf-8?q??= list",
    readsAs: "Price =?utf-8?q??= list",
  },
  {
    name: "keeps the blanks beside an empty word between two real ones",
    input: "=?utf-8?q?a?= =?utf-8?q??= =?utf-8?q?b?=",
    readsAs: "a =?utf-8?q??= b",
  },
  {
    name: "decodes a real word that follows an empty one",
    input: "=?utf-8?q??= =?utf-8?q?caf=C3=A9?=",
    readsAs: "=?utf-8?q??= café",
  },
  {
    name: "still drops the blanks between two adjacent real words",
    input: "=?utf-8?q?a?=\r\n\t=?utf-8?b?Yg==?=",
    readsAs: "ab",
  },
  {
    name: "keeps a blank encoded as an underscore between adjacent words",
    input: "=?utf-8?q?a_?= =?utf-8?q?b?=",
    readsAs: "a b",
  },
  {
    name: "leaves a word with an empty charset as written",
    input: "=??q?a?=",
    readsAs: "=??q?a?=",
  },
  {
    name: "leaves a word with an unknown encoding letter as written",
    input: "=?utf-8?x?a?=",
    readsAs: "=?utf-8?x?a?=",
  },
  {
    name: "leaves a word with a two-letter encoding as written",
    input: "=?utf-8?qb?a?=",
    readsAs: "=?utf-8?qb?a?=",
  },
  {
    name: "ends a Q word at the first ?= (encoded text holds no ?)",
    input: "=?utf-8?q?a?=b?=",
    readsAs: "ab?=",
  },
  {
    name: "leaves a word with a blank in its encoded text as written",
    input: "=?utf-8?q?a b?=",
    readsAs: "=?utf-8?q?a b?=",
  },
  {
    name: "leaves a word whose encoded text is 8-bit (not printable ASCII) as written",
    input: binary("=?utf-8?q?café?="),
    readsAs: "=?utf-8?q?café?=",
  },
  {
    name: "leaves a word whose charset is 8-bit as written",
    input: binary("=?ütf-8?q?a?="),
    readsAs: "=?ütf-8?q?a?=",
  },
  {
    name: "leaves an unterminated word as written",
    input: "=?utf-8?q?abc",
    readsAs: "=?utf-8?q?abc",
  },
  { name: "decodes a one-character Q word", input: "=?utf-8?q?_?=", readsAs: " " },
  { name: "decodes a B word of one quantum", input: "=?utf-8?B?YWJj?=", readsAs: "abc" },
];

for (const c of CASES) {
  Deno.test(`decodeHeaderText() ${c.name}`, () => {
    assert.equal(decodeHeaderText(c.input), c.readsAs);
  });
}
