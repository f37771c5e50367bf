/** SORT criteria (RFC 5256): the parser, the address and date rules, and the order. */
import assert from "node:assert/strict";
import { ImapError } from "../../src/imap/errors.ts";
import { CommandCursor } from "../../src/imap/parser.ts";
import {
  compareCodePoints,
  firstDisplay,
  firstMailbox,
  MAX_TEXT_KEY_CHARS,
  parseSortCriteria,
  sortEntries,
  type SortEntry,
  sortNeedsHeader,
  sortValues,
} from "../../src/imap/sort_criteria.ts";
import { sentTimeMs } from "../../src/imap/sent_day.ts";

const PARSED: [string, string, string][] = [
  ["one key", "(DATE)", "DATE"],
  ["RFC 5256 5's own example", "(SUBJECT REVERSE DATE)", "SUBJECT -DATE"],
  ["keys in order, REVERSE bound to the next only", "(REVERSE date subject)", "-DATE SUBJECT"],
  ["every key", "(ARRIVAL CC DATE FROM SIZE SUBJECT TO)", "ARRIVAL CC DATE FROM SIZE SUBJECT TO"],
  ["REVERSE on several", "(REVERSE SIZE REVERSE ARRIVAL)", "-SIZE -ARRIVAL"],
  ["RFC 5957's display keys", "(DISPLAYFROM REVERSE DISPLAYTO)", "DISPLAYFROM -DISPLAYTO"],
];
for (const [name, text, expected] of PARSED) {
  Deno.test(`parseSortCriteria() reads ${name}`, () => {
    const criteria = parseSortCriteria(CommandCursor.of(text));
    assert.equal(criteria.map((c) => (c.isReverse ? "-" : "") + c.key).join(" "), expected);
  });
}

const REFUSED: [string, string][] = [
  ["an empty list", "()"],
  ["an unknown key", "(COLOR)"],
  ["REVERSE alone", "(REVERSE)"],
  ["REVERSE twice", "(REVERSE REVERSE DATE)"],
  ["no parentheses", "DATE"],
  ["an unclosed list", "(DATE"],
  ["DISPLAY alone", "(DISPLAY)"],
  ["a word that only begins like REVERSE", "(REVERSED DATE)"],
];
for (const [name, text] of REFUSED) {
  Deno.test(`parseSortCriteria() refuses ${name} with BAD`, () => {
    assert.throws(
      () => parseSortCriteria(CommandCursor.of(text)),
      (error) => error instanceof ImapError && error.status === "BAD",
    );
  });
}

const MAILBOXES: [string, string, string][] = [
  ["a bare address", "adam@x.test", "adam"],
  ["a display name and angle address", "Zoe <zoe@x.test>", "zoe"],
  ["a quoted name holding a comma", '"Bob, Jr" <bobjr@x.test>, al@x.test', "bobjr"],
  ["the first of several", "b@x.test, a@x.test", "b"],
  ["a group's first member, not its name", "team: m1@x.test, m2@x.test;", "m1"],
  ["an empty group, then an address", "undisclosed-recipients:;, c@x.test", "c"],
  ["an empty group alone", "undisclosed-recipients:;", ""],
  ["an empty field", "", ""],
  ["a comment around the address", "(boss) ceo@x.test (the CEO)", "ceo"],
  ["a quoted local part", '"john doe"@x.test', "john doe"],
  ["a source route", "<@relay.test:r@x.test>", "r"],
  ["an encoded display name", "=?utf-8?q?J=C3=BCrgen?= <j@x.test>", "j"],
];
for (const [name, value, expected] of MAILBOXES) {
  Deno.test(`firstMailbox() of ${name}`, () => {
    assert.equal(firstMailbox(value), expected);
  });
}

const DISPLAYS: [string, string, string][] = [
  ["a display name", "Zoe Zed <zoe@x.test>", "Zoe Zed"],
  ["a quoted display name", '"Bob, Jr" <bobjr@x.test>', "Bob, Jr"],
  ["no display name: the address", "adam@x.test", "adam@x.test"],
  ["an empty quoted name: the address", '"" <e@x.test>', "e@x.test"],
  ["a quoted name of blanks alone: the address", '"  " <e@x.test>', "e@x.test"],
  ["an encoded name, decoded", "=?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <j@x.test>", "Jürgen Müller"],
  ["a name in ISO-8859-1", "=?iso-8859-1?q?Ren=E9?= <r@x.test>", "René"],
  ["a raw UTF-8 name", "Gr\xc3\xbc\xc3\x9fe <g@x.test>", "Grüße"],
  ["a group's first member", "team: Mary <m@x.test>, al@x.test;", "Mary"],
  ["an empty group alone", "undisclosed-recipients:;", ""],
  ["an address without a domain", "root", "root"],
  ["an empty field", "", ""],
];
for (const [name, value, expected] of DISPLAYS) {
  Deno.test(`firstDisplay() of ${name}`, () => {
    assert.equal(firstDisplay(value), expected);
  });
}

const NEEDS_HEADER: [string, string, boolean][] = [
  ["ARRIVAL and SIZE come from the index", "(ARRIVAL REVERSE SIZE)", false],
  ["SIZE alone comes from the index", "(SIZE)", false],
  ["DATE reads the header", "(DATE)", true],
  ["SIZE then SUBJECT reads the header", "(SIZE SUBJECT)", true],
  ["DISPLAYTO reads the header", "(REVERSE DISPLAYTO)", true],
];
for (const [name, text, expected] of NEEDS_HEADER) {
  Deno.test(`sortNeedsHeader(): ${name}`, () => {
    assert.equal(sortNeedsHeader(parseSortCriteria(CommandCursor.of(text))), expected);
  });
}

const source = (header: string) => ({ header, sizeBytes: 10, internalDateMs: 5_000 });
const FROM = [{ key: "FROM" as const, isReverse: false }];
const DATE = [{ key: "DATE" as const, isReverse: false }];

Deno.test("sortValues() FROM is the first mailbox's local part, compared without ASCII case", () => {
  assert.deepEqual(sortValues(FROM, source("From: Zoe <ZoE@x.test>\r\n\r\n")), ["ZOE"]);
  assert.deepEqual(sortValues(FROM, source("Subject: no From\r\n\r\n")), [""]);
  assert.deepEqual(sortValues(FROM, source("From:\r\n\r\n")), [""]);
  // i;ascii-casemap folds a-z only: "é" stays "é".
  assert.deepEqual(sortValues(FROM, source("From: émile@x.test\r\n\r\n")), ["éMILE"]);
  // Both ends of a-z fold; the characters just outside them do not.
  assert.deepEqual(sortValues(FROM, source("From: `az{@x.test\r\n\r\n")), ["`AZ{"]);
});

Deno.test("sortValues() CC and TO read their own fields, folded lines included", () => {
  const header = "To: t@x.test\r\nCc:\r\n  Carl <carl@x.test>\r\n\r\n";
  const criteria = [{ key: "TO" as const, isReverse: false }, {
    key: "CC" as const,
    isReverse: false,
  }];
  assert.deepEqual(sortValues(criteria, source(header)), ["T", "CARL"]);
});

Deno.test("sortValues() SUBJECT is the base subject; a missing one is empty", () => {
  const criteria = [{ key: "SUBJECT" as const, isReverse: false }];
  assert.deepEqual(sortValues(criteria, source("Subject: Re: [x] Fwd: hello\r\n\r\n")), ["HELLO"]);
  assert.deepEqual(sortValues(criteria, source("From: a@x.test\r\n\r\n")), [""]);
  const long = "Subject: " + "a".repeat(MAX_TEXT_KEY_CHARS + 500) + "\r\n\r\n";
  assert.equal((sortValues(criteria, source(long))[0] as string).length, MAX_TEXT_KEY_CHARS);
});

Deno.test("sortValues() DATE is the Date field in UTC, else INTERNALDATE", () => {
  const at = (date: string) => sortValues(DATE, source(`Date: ${date}\r\n\r\n`))[0];
  // RFC 5256 2.2's own example: both are the same moment.
  assert.equal(at("31 Dec 2000 16:01:33 -0800"), at("1 Jan 2001 00:01:33 +0000"));
  assert.equal(at("Mon, 1 Jan 2001 00:01:33 +0000"), Date.UTC(2001, 0, 1, 0, 1, 33));
  assert.equal(at("1 Jan 2001 00:01 EST"), Date.UTC(2001, 0, 1, 5, 1));
  assert.equal(at("1 Jan 2001 00:01:33 +0000 (UTC)"), Date.UTC(2001, 0, 1, 0, 1, 33));
  // No zone, or one nobody knows: UTC. No time: midnight.
  assert.equal(at("1 Jan 2001 10:00:00"), Date.UTC(2001, 0, 1, 10));
  assert.equal(at("1 Jan 2001 10:00:00 XYZ"), Date.UTC(2001, 0, 1, 10));
  assert.equal(at("1 Jan 2001"), Date.UTC(2001, 0, 1));
  assert.equal(at("2001-01-01T10:00:00Z"), Date.UTC(2001, 0, 1, 10));
  assert.equal(at("not a date"), 5_000);
  assert.equal(sortValues(DATE, source("Subject: x\r\n\r\n"))[0], 5_000);
  assert.equal(sentTimeMs("Tue, 31 Feb 2001 10:00:00 +0000"), null);
});

Deno.test("compareCodePoints() orders by code point, as UTF-8 octets compare", () => {
  assert.ok(compareCodePoints("A", "B") < 0);
  assert.ok(compareCodePoints("AB", "A") > 0);
  // U+FF01 (one UTF-16 unit, 0xFF01) sorts before U+1F600 (surrogates 0xD83D...).
  assert.ok(compareCodePoints("\uff01", "😀") < 0);
  assert.ok(compareCodePoints("😀", "\uff01") > 0);
  assert.equal(compareCodePoints("😀", "😀"), 0);
  // The first code point past U+FFFF (surrogates 0xD800 0xDC00) sorts after U+FFFF.
  assert.ok(compareCodePoints("\u{10000}", "\uffff") > 0);
  assert.ok(compareCodePoints("\uffff", "\u{10000}") < 0);
});

Deno.test("sortEntries() orders by each criterion in turn, ties by sequence number", () => {
  const entries: SortEntry[] = [
    { seq: 1, uid: 11, values: ["B", 5] },
    { seq: 2, uid: 12, values: ["A", 5] },
    { seq: 3, uid: 13, values: ["B", 9] },
    { seq: 4, uid: 14, values: ["A", 5] },
  ];
  const byText = (isReverse: boolean) => [
    { key: "SUBJECT" as const, isReverse },
    { key: "SIZE" as const, isReverse: true },
  ];
  sortEntries(byText(false), entries);
  assert.deepEqual(entries.map((e) => e.seq), [2, 4, 3, 1]);
  // REVERSE turns its own criterion round, never the sequence-number tie-break (RFC 5256 3).
  sortEntries(byText(true), entries);
  assert.deepEqual(entries.map((e) => e.seq), [3, 1, 2, 4]);
});
