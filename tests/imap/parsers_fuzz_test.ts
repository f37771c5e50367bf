/**
 * A fixed-seed mutation fuzz of the pure parsers a sender or client reaches:
 * mangled messages, header fields and IMAP arguments must come back as a
 * result or a typed refusal, never a TypeError, a RangeError or a loop
 * that does not end (a ")" in To once filled the heap: see envelope.ts).
 */
import assert from "node:assert/strict";
import { formatBodyStructure } from "../../src/imap/body_structure.ts";
import { formatEnvelope, parseAddressList as envelopeAddresses } from "../../src/imap/envelope.ts";
import { ImapError } from "../../src/imap/errors.ts";
import { parseFetchItems } from "../../src/imap/fetch_items.ts";
import { decodeMailboxName, encodeMailboxName } from "../../src/imap/mutf7.ts";
import { CommandCursor } from "../../src/imap/parser.ts";
import { parseSearch } from "../../src/imap/search_keys.ts";
import { extractSection } from "../../src/imap/sections.ts";
import { sentDay } from "../../src/imap/sent_day.ts";
import { parseAddressList, qualifyAddressList } from "../../src/mail/address_list.ts";
import { searchableText } from "../../src/mail/body_text.ts";
import { decodeHeaderText } from "../../src/mail/encoded_words.ts";
import { parseMailbox, parsePath } from "../../src/mail/mod.ts";
import { parseMimeStructure } from "../../src/mail/mime_structure.ts";
import { seededRandom as random } from "../seeded_random.ts";

const SEEDS = [
  'From: "Alice A." <alice@remote.test>\r\nTo: bob@example.test, Carol <carol@example.test>\r\n' +
  "Cc: Friends: dave@remote.test, (comment) eve@x.test;\r\nSubject: =?UTF-8?Q?caf=C3=A9?= =?utf-8?b?w6k=?=\r\n" +
  "Date: Mon, 1 Jan 2024 10:00:00 +0100 (CET)\r\n\r\nbody\r\n",
  'Content-Type: multipart/mixed; boundary="outer"\r\n\r\npreamble\r\n--outer\r\n' +
  'Content-Type: multipart/alternative; boundary="inner"\r\n\r\n--inner\r\n' +
  "Content-Type: text/plain; charset=utf-8\r\n\r\nplain\r\n--inner--\r\n--outer\r\n" +
  "Content-Type: message/rfc822\r\n\r\nFrom: x@y.test\r\nSubject: inner\r\n\r\nhi\r\n--outer\r\n" +
  "Content-Disposition: attachment; filename*0*=utf-8''%E2%82; filename*1=\"ac.txt\"\r\n" +
  "Content-Transfer-Encoding: base64\r\n\r\nQUJD\r\n--outer--\r\n",
  "Content-Type: multipart/digest; boundary*0=a; boundary*1*=%2Db\r\n\r\n--a-b\r\n\r\n" +
  "Subject: digest\r\n\r\nx\r\n--a-b--\r\n",
  'To: undisclosed-recipients:;, <@route,@r2:bob@[127.0.0.1]>, "q\\"d"@x.test\r\n\r\n',
  "Date: (c) 1 Jan 24 (x (y) \\) z)\r\nSubject: =?iso-8859-1?q?=E9t=E9?=\r\n\r\n",
];
const SEARCHES = [
  "ALL",
  'OR FROM "a b" NOT (SUBJECT x SEEN) 1:3,5:*',
  "CHARSET UTF-8 TEXT caf SENTSINCE 1-Jan-2024",
  "UID 1:* HEADER X-Y z LARGER 10 NOT KEYWORD k",
];
const FETCHES = [
  "(FLAGS BODY.PEEK[1.2.HEADER.FIELDS (SUBJECT FROM)]<0.10>)",
  "BODY[1.MIME]",
  "(ENVELOPE BODYSTRUCTURE RFC822.SIZE)",
];
const PIECES = [
  "(",
  ")",
  '"',
  "\\",
  "<",
  ">",
  "@",
  ",",
  ";",
  ":",
  "=?",
  "?=",
  "=?utf-8?q?",
  "?b?",
  "\r\n",
  "\n",
  "\r",
  "\r\n\r\n",
  "--outer",
  "--inner--",
  "*0*=",
  "%",
  "'",
  "[",
  "]",
  "{",
  "}",
  "&",
  "-",
  "\x00",
  "\xe9",
  "\xff",
  " ",
  "\t",
  ".",
  "*",
  "1:*",
  "0",
  "4294967296",
  "NOT ",
  "OR ",
];

function mutate(text: string, rnd: (n: number) => number): string {
  for (let ops = 1 + rnd(5); ops > 0; ops--) {
    const at = rnd(text.length + 1);
    const kind = rnd(5);
    if (kind === 0) text = text.slice(0, at) + text.slice(at + 1 + rnd(6));
    else if (kind === 1) text = text.slice(0, at) + PIECES[rnd(PIECES.length)] + text.slice(at);
    else if (kind === 2) text = text.slice(0, at) + String.fromCharCode(rnd(256)) + text.slice(at);
    else if (kind === 3) {
      text = text.slice(0, at) + text.slice(at, at + rnd(30)).repeat(2) + text.slice(at);
    } else text = text.slice(0, at);
  }
  return text;
}

/** Runs `parse`; an ImapError is a refusal, anything else thrown fails the test. */
function survives(name: string, input: string, parse: () => unknown): void {
  try {
    parse();
  } catch (error) {
    if (error instanceof ImapError) return;
    assert.fail(`${name} threw ${error} on ${JSON.stringify(input)}`);
  }
}

Deno.test("mangled messages and header fields parse without an untyped exception", () => {
  const rnd = random(20261127);
  for (let i = 0; i < 3000; i++) {
    const message = mutate(SEEDS[rnd(SEEDS.length)] as string, rnd);
    survives("MIME structure", message, () => {
      const root = parseMimeStructure(message);
      formatBodyStructure(message, root, true);
      for (const part of [[], [1], [2, 1], [3]]) {
        extractSection(message, { part, kind: "TEXT", fields: [] });
      }
    });
    survives("ENVELOPE", message, () => formatEnvelope(message));
    survives("ENVELOPE addresses", message, () => envelopeAddresses(message));
    survives("address list", message, () => {
      parseAddressList(message);
      qualifyAddressList(message, "example.test");
    });
    survives("encoded words", message, () => decodeHeaderText(message));
    survives("sent day", message, () => sentDay(message));
    survives("search text", message, () => searchableText(message));
    const line = message.split("\r\n")[0] ?? "";
    survives("mailbox", line, () => {
      parseMailbox(line);
      parsePath(line, { allowNull: true });
    });
  }
});

Deno.test("mangled IMAP arguments are parsed or refused with BAD or NO", () => {
  const rnd = random(3501);
  for (let i = 0; i < 3000; i++) {
    const search = mutate(SEARCHES[rnd(SEARCHES.length)] as string, rnd);
    survives("SEARCH", search, () => parseSearch(CommandCursor.of(search)));
    const fetch = mutate(FETCHES[rnd(FETCHES.length)] as string, rnd);
    survives("FETCH", fetch, () => parseFetchItems(CommandCursor.of(fetch)));
    const name = mutate("Archive.&AOk-t&AOk-.2024", rnd);
    survives("mailbox name", name, () => {
      const decoded = decodeMailboxName(name);
      if (decoded !== null) assert.equal(encodeMailboxName(decoded), name);
    });
  }
});
