import assert from "node:assert/strict";
import { ImapError } from "../../src/imap/errors.ts";
import { CommandCursor } from "../../src/imap/parser.ts";
import { matchesSearch, searchNeeds, type SearchSubject } from "../../src/imap/search_eval.ts";
import { parseDateText, parseSearch } from "../../src/imap/search_keys.ts";

const HEADER = "From: Alice <alice@remote.test>\r\nTo: bob@example.test\r\n" +
  "Subject: Quarterly\r\n report\r\nDate: Tue, 5 Mar 2024 10:00:00 +0000\r\n\r\n";

function message(overrides: Partial<SearchSubject>): SearchSubject {
  return {
    seq: 1,
    uid: 10,
    flags: new Set<string>(),
    isRecent: false,
    sizeBytes: 500,
    internalDateMs: Date.UTC(2024, 2, 6, 23, 0),
    header: HEADER,
    body: "The numbers are in.\r\n",
    ...overrides,
  };
}

const CONTEXT = { messageCount: 3, maxUid: 12 };

const CASES: [string, string, Partial<SearchSubject>, boolean][] = [
  ["ALL matches anything", "ALL", {}, true],
  [
    "SUBJECT matches an RFC 2047 encoded subject after decoding, without case",
    'SUBJECT "GRÜSSE aus"',
    { header: "Subject: =?UTF-8?Q?Gr=C3=BCsse_aus_K=C3=B6ln?=\r\n\r\n" },
    true,
  ],
  [
    "FROM matches a B-encoded display name",
    'FROM "Zoë"',
    { header: "From: =?utf-8?B?Wm/Dqw==?= <z@remote.test>\r\n\r\n" },
    true,
  ],
  [
    "TEXT matches a decoded header word",
    'TEXT "köln"',
    { header: "Subject: =?UTF-8?Q?K=C3=B6ln?=\r\n\r\n", body: "" },
    true,
  ],
  ["BODY compares decoded text without case", "BODY STRASSE", { body: "die strasse" }, true],
  ["SEEN matches a seen message", "SEEN", { flags: new Set(["\\Seen"]) }, true],
  ["UNSEEN skips a seen message", "UNSEEN", { flags: new Set(["\\Seen"]) }, false],
  ["flag names compare without case", "FLAGGED", { flags: new Set(["\\flagged"]) }, true],
  [
    "DELETED matches a message marked for deletion",
    "DELETED",
    { flags: new Set(["\\Deleted"]) },
    true,
  ],
  ["ANSWERED is false without the flag", "ANSWERED", {}, false],
  ["FROM matches part of the display name", "FROM alice", {}, true],
  ["FROM is case-insensitive", 'FROM "REMOTE.TEST"', {}, true],
  ["TO does not match the sender", "TO alice", {}, false],
  ["SUBJECT matches across a folded line", 'SUBJECT "Quarterly report"', {}, true],
  ["HEADER with an empty value matches a present field", 'HEADER Date ""', {}, true],
  ["HEADER on a missing field does not match", 'HEADER X-Spam ""', {}, false],
  ["BODY looks only at the body", "BODY numbers", {}, true],
  ["BODY does not look at the header", "BODY Quarterly", {}, false],
  ["TEXT looks at the header too", "TEXT Quarterly", {}, true],
  ["TEXT matches across a folded header line as SUBJECT does", 'TEXT "Quarterly report"', {}, true],
  [
    "TEXT matches a field folded right after its colon",
    'TEXT "To: bob"',
    { header: "To:\r\n bob@example.test\r\n\r\n", body: "" },
    true,
  ],
  [
    "TEXT decodes each header field on its own: a Latin-1 field spares a UTF-8 one",
    'TEXT "grüße"',
    { header: "X-Old: caf\xe9\r\nSubject: Gr\xc3\xbc\xc3\x9fe\r\n\r\n", body: "" },
    true,
  ],
  [
    "TEXT decodes a Latin-1 header field as SUBJECT does",
    'TEXT "café"',
    { header: "X-Old: caf\xe9\r\nSubject: Gr\xc3\xbc\xc3\x9fe\r\n\r\n", body: "" },
    true,
  ],
  ["SINCE includes the same day", "SINCE 6-Mar-2024", {}, true],
  ["BEFORE excludes the same day", "BEFORE 6-Mar-2024", {}, false],
  ["ON matches the internal date's day", 'ON "6-Mar-2024"', {}, true],
  ["SENTON uses the Date header", "SENTON 5-Mar-2024", {}, true],
  ["LARGER is strictly larger", "LARGER 500", {}, false],
  ["SMALLER matches a smaller message", "SMALLER 501", {}, true],
  ["UID sets match by UID", "UID 9:11", {}, true],
  ["UID star is the highest UID", "UID *", { uid: 12 }, true],
  ["a sequence set matches by number", "2:*", { seq: 3 }, true],
  ["NOT inverts", "NOT SEEN", {}, true],
  ["OR takes either", "OR SEEN FROM alice", {}, true],
  ["keys in a row are all required", "FROM alice SEEN", {}, false],
  ["parentheses group keys", "OR (SEEN FLAGGED) (FROM alice TO bob)", {}, true],
  ["CHARSET UTF-8 is accepted", "CHARSET UTF-8 FROM alice", {}, true],
  ["CC as the first key is not taken for CHARSET", "CC bob", {}, false],
  ["NEW needs recent and unseen", "NEW", { isRecent: true }, true],
  [
    "SENTBEFORE a year below 100 is that year, not 19xx",
    "SENTBEFORE 1-Jan-0099",
    { header: "Date: Mon, 1 Jan 1990 10:00:00 +0000\r\n\r\n" },
    false,
  ],
  [
    "SENTON reads the day past a nested comment, not the UTC day",
    "SENTON 1-Jan-2024",
    { header: "Date: (sent (by hand)) Mon, 1 Jan 2024 23:00:00 -0500\r\n\r\n" },
    true,
  ],
  [
    "SENTON reads the day past a comment holding a quoted parenthesis",
    "SENTON 1-Jan-2024",
    { header: "Date: (a\\) b) Mon, 1 Jan 2024 23:00:00 -0500\r\n\r\n" },
    true,
  ],
  [
    "SENTON reads the day date(1) writes as written, not the UTC day",
    "SENTON 1-Jan-2024",
    { header: "Date: Mon Jan  1 23:30:00 EST 2024\r\n\r\n" },
    true,
  ],
  [
    "SENTON reads a two-digit year, a military zone and no seconds as RFC 5322 4.3 says",
    "SENTON 1-Jan-2024",
    { header: "Date: 1 Jan 24 23:30 Z\r\n\r\n" },
    true,
  ],
  [
    "SENTON does not take a Date field naming 32 December for 1 January",
    "SENTON 1-Jan-2024",
    { header: "Date: Sun, 32 Dec 2023 10:00:00 +0000\r\n\r\n" },
    false,
  ],
  [
    "FROM does not take a folded line of another field for a From field",
    "FROM mallory",
    { header: "From: alice@remote.test\r\nSubject: see below\r\n From: mallory\r\n\r\n" },
    false,
  ],
  [
    "SENTON does not take a folded Subject line for the Date field",
    "SENTON 1-Jan-2024",
    {
      header: "Subject: old news\r\n Date: 1 Jan 1990 00:00:00 +0000\r\n" +
        "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\n",
    },
    true,
  ],
  [
    "HEADER still finds a field written with blanks before the colon (RFC 5322 4.5)",
    "HEADER X-Old value",
    { header: "X-Old : value\r\n\r\n" },
    true,
  ],
  [
    "SENTON reads a four-digit Date year below 100 as written",
    "SENTON 5-Mar-0024",
    { header: "Date: 5 Mar 0024 10:00:00 +0000\r\n\r\n" },
    true,
  ],
];

for (const [name, criteria, overrides, expected] of CASES) {
  Deno.test(`SEARCH ${name}`, () => {
    const cursor = CommandCursor.of(criteria);
    const key = parseSearch(cursor);
    cursor.end();
    assert.equal(matchesSearch(key, message(overrides), CONTEXT), expected);
  });
}

const BAD: [string, string][] = [
  ["an unknown key", "FOO"],
  ["a missing argument", "FROM"],
  ["a bad date", "SINCE 31-Feb-2024"],
  ["a bad month", "SINCE 1-Foo-2024"],
  ["an unclosed group", "(SEEN"],
];
for (const [name, criteria] of BAD) {
  Deno.test(`SEARCH answers BAD for ${name}`, () => {
    assert.throws(() => {
      const cursor = CommandCursor.of(criteria);
      parseSearch(cursor);
      cursor.end();
    }, (error: unknown) => error instanceof ImapError && error.status === "BAD");
  });
}

Deno.test("SEARCH refuses an unknown charset with NO [BADCHARSET]", () => {
  assert.throws(
    () => parseSearch(CommandCursor.of("CHARSET KOI8-R ALL")),
    (error: unknown) => error instanceof ImapError && error.code?.startsWith("BADCHARSET") === true,
  );
});

Deno.test("searchNeeds() reads files only when a key looks inside them", () => {
  const needs = (text: string) => searchNeeds(parseSearch(CommandCursor.of(text)));
  assert.equal(needs("UNSEEN UID 1:*"), "meta");
  assert.equal(needs("OR SEEN SUBJECT x"), "header");
  assert.equal(needs("NOT (FROM a BODY b)"), "full");
});

Deno.test("parseDateText() reads d-Mon-yyyy as a UTC day", () => {
  assert.equal(parseDateText("1-Jan-1970"), 0);
  assert.equal(parseDateText("02-jan-1970"), 1);
  assert.equal(parseDateText("1-Jan-70"), null);
});

Deno.test("parseDateText() reads a year below 100 as that year, not 19xx", () => {
  // Read as 1999, SENTBEFORE 1-Jan-0099 matched mail sent in 1990.
  const day = (year: number, month: number, date: number) =>
    Math.floor(new Date(0).setUTCFullYear(year, month, date) / 86_400_000);
  assert.equal(parseDateText("1-Jan-0099"), day(99, 0, 1));
  assert.equal(parseDateText("29-Feb-0004"), day(4, 1, 29));
  assert.equal(parseDateText("29-Feb-0100"), null, "0100 is no leap year");
});
