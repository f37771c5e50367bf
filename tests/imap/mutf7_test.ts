import assert from "node:assert/strict";
import { canonicalSpelling, decodeMailboxName, encodeMailboxName } from "../../src/imap/mutf7.ts";

const PAIRS: [string, string, string][] = [
  ["plain ASCII is unchanged", "Sent Items", "Sent Items"],
  ["an ampersand becomes &-", "Tom & Jerry", "Tom &- Jerry"],
  [
    "the RFC 3501 example with Japanese",
    "~peter/mail/台北/日本語",
    "~peter/mail/&U,BTFw-/&ZeVnLIqe-",
  ],
  ["a German umlaut", "Entwürfe", "Entw&APw-rfe"],
  ["an emoji outside the BMP uses a surrogate pair", "Mail 📬", "Mail &2D3c7A-"],
  ["accented letters together in one shift", "éé", "&AOkA6Q-"],
];

for (const [name, unicode, wire] of PAIRS) {
  Deno.test(`encodeMailboxName(): ${name}`, () => {
    assert.equal(encodeMailboxName(unicode), wire);
  });
  Deno.test(`decodeMailboxName(): ${name}`, () => {
    assert.equal(decodeMailboxName(wire), unicode);
  });
}

const INVALID: [string, string][] = [
  ["an unterminated shift", "&AOk"],
  ["characters outside the base64 alphabet", "&A/k-"],
  ["printable ASCII hidden in base64", "&AGE-"],
  ["an odd number of bytes", "&AO-"],
  ["an 8-bit character", "Entwürfe"],
  ["a control character", "a\tb"],
  ["a lone high surrogate", "&2D0-"],
  // RFC 3501 5.1.3: null shifts ("-&" in base64) are not permitted; "üü" is "&APwA,A-" only.
  ["a null shift between two base64 runs", "&APw-&APw-"],
  ["a surrogate pair split over two runs", "&2D0-&3gA-"],
];

for (const [name, wire] of INVALID) {
  Deno.test(`decodeMailboxName() refuses ${name}`, () => {
    assert.equal(decodeMailboxName(wire), null);
  });
}

const SPELLINGS: [string, string, string | null][] = [
  ["a valid name is its own spelling", "Entw&APw-rfe", "Entw&APw-rfe"],
  ["a run split in two is joined", "Gr&APw-&APw-e", "Gr&APwA,A-e"],
  ["each level is joined on its own", "Caf&AOk-.Sub&AOk-&AOk-", "Caf&AOk-.Sub&AOkA6Q-"],
  ["an 8-bit name has none", "Entwürfe", null],
  ["a surrogate pair split over two runs has none", "&2D0-&3gA-", null],
];

for (const [name, wire, expected] of SPELLINGS) {
  Deno.test(`canonicalSpelling(): ${name}`, () => {
    assert.equal(canonicalSpelling(wire), expected);
  });
}
