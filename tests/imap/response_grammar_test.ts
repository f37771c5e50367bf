/** The strict response checker itself: what it takes and what it must refuse (RFC 3501 9). */
import assert from "node:assert/strict";
import { GrammarError, parseGreeting, parseResponse } from "./grammar/responses.ts";
import { decodeModifiedUtf7 } from "./grammar/mutf7_check.ts";

const TEXT_PLAIN = '"TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 5 1';
const ENVELOPE = 'NIL "s" (("A" NIL "a" "b.test")) NIL NIL ((NIL NIL "g" NIL)(NIL NIL NIL NIL)) ' +
  "NIL NIL NIL NIL";

const VALID: [string, string][] = [
  ["a tagged OK with a response code", "a1 OK [READ-WRITE] SELECT completed\r\n"],
  ["a tag holding ']'", "a]1 NO [TRYCREATE] No such mailbox\r\n"],
  ["an empty continuation (empty base64)", "+ \r\n"],
  ["FLAGS with keywords", "* FLAGS (\\Answered \\Seen $Label1)\r\n"],
  ["PERMANENTFLAGS with \\*", "* OK [PERMANENTFLAGS (\\Seen \\*)] Flags\r\n"],
  ["COPYUID with reversed and listed sets", "a OK [COPYUID 7 3:1,9 10:12,13] Done\r\n"],
  ["APPENDUID", "a OK [APPENDUID 38505 3955] APPEND completed\r\n"],
  ["an unknown response code with text", "a NO [OVERQUOTA x y] Full\r\n"],
  ["LIST with a literal name", '* LIST (\\HasNoChildren) "." {3}\r\na b\r\n'],
  ["LIST with a NIL delimiter and CHILDINFO", '* LIST () NIL x ("CHILDINFO" ("SUBSCRIBED"))\r\n'],
  ["LIST with modified UTF-7", '* LIST () "." Caf&AOk-\r\n'],
  ["STATUS", "* STATUS INBOX (MESSAGES 2 UIDNEXT 3 UIDVALIDITY 4 UNSEEN 0)\r\n"],
  ["an empty SEARCH", "* SEARCH\r\n"],
  ["0 EXISTS", "* 0 EXISTS\r\n"],
  ["FETCH with a space-padded date", '* 1 FETCH (INTERNALDATE " 5-Mar-2024 10:00:00 +0000")\r\n'],
  ["FETCH with a section, origin and literal", "* 1 FETCH (BODY[1.2.MIME]<0> {2}\r\n\r\n)\r\n"],
  ["FETCH of HEADER.FIELDS", '* 1 FETCH (BODY[HEADER.FIELDS (FROM "X Y")] "")\r\n'],
  ["FETCH ENVELOPE with a group", `* 2 FETCH (ENVELOPE (${ENVELOPE}))\r\n`],
  ["BODY of a text part", `* 1 FETCH (BODY (${TEXT_PLAIN}))\r\n`],
  [
    "BODYSTRUCTURE of a multipart with extension data",
    `* 1 FETCH (BODYSTRUCTURE ((${TEXT_PLAIN} NIL ("INLINE" NIL) ("en" "de") NIL)` +
    '("IMAGE" "PNG" NIL NIL NIL "BASE64" 4 NIL) "MIXED" ("BOUNDARY" "x") NIL NIL NIL))\r\n',
  ],
  [
    "BODYSTRUCTURE of message/rfc822",
    `* 1 FETCH (BODYSTRUCTURE ("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 9 (${ENVELOPE}) ` +
    `(${TEXT_PLAIN}) 3 NIL NIL NIL NIL))\r\n`,
  ],
  ["NAMESPACE", '* NAMESPACE (("" ".")) NIL NIL\r\n'],
  ["ID", '* ID ("name" "Pillarbox" "version" NIL)\r\n'],
  ["ID NIL", "* ID NIL\r\n"],
  ["ENABLED with nothing enabled", "* ENABLED\r\n"],
  [
    "LIST-EXTENDED's \\NonExistent with \\HasChildren",
    '* LIST (\\NonExistent \\HasChildren) "." x\r\n',
  ],
  ["a CHILDINFO of two options", '* LIST () "." x ("CHILDINFO" ("SUBSCRIBED" "SPECIAL-USE"))\r\n'],
  ["SORT", "* SORT 2 3 1\r\n"],
  ["an empty SORT", "* SORT\r\n"],
  ["RFC 5256 4's THREAD example", "* THREAD (2)(3 6 (4 23)(44 7 96))\r\n"],
  ["an empty THREAD", "* THREAD\r\n"],
  ["a THREAD whose top is thread-nested alone", "* THREAD ((3)(5 6))(7)\r\n"],
  ["a THREAD of one message", "* THREAD (1)\r\n"],
  ["ESEARCH with every option", '* ESEARCH (TAG "a1") UID MIN 2 MAX 9 COUNT 4 ALL 2:3,5,9\r\n'],
  ["an ESEARCH of COUNT 0", '* ESEARCH (TAG "a1") COUNT 0\r\n'],
  ["an ESEARCH of nothing", '* ESEARCH (TAG "a1")\r\n'],
];

const INVALID: [string, string, RegExp][] = [
  ["a tagged OK without text", "a OK [READ-WRITE]\r\n", /expected SP/],
  ["8-bit in resp-text", "a NO caf\xe9\r\n", /expected CRLF/],
  ["a bare LF ending", "a OK done\n", /expected CRLF/],
  ["a quoted string with 8-bit", '* LIST () "." "caf\xe9"\r\n', /QUOTED-CHAR/],
  ["a literal holding a NUL", "* 1 FETCH (RFC822 {3}\r\na\x00b)\r\n", /NUL/],
  ["a literal shorter than its count", "* 1 FETCH (RFC822 {9}\r\nab)\r\n", /runs past/],
  [
    "an empty address list",
    `* 1 FETCH (ENVELOPE (NIL NIL () ${"NIL ".repeat(7)}NIL))\r\n`,
    /empty/,
  ],
  [
    "an unclosed group",
    '* 1 FETCH (ENVELOPE (NIL NIL ((NIL NIL "g" NIL)) ' + "NIL ".repeat(6) + "NIL))\r\n",
    /not closed/,
  ],
  [
    "a text part without body-fld-lines",
    '* 1 FETCH (BODY ("TEXT" "PLAIN" NIL NIL NIL "7BIT" 5))\r\n',
    /body-fld-lines/,
  ],
  [
    "a non-text part with lines",
    '* 1 FETCH (BODY ("IMAGE" "PNG" NIL NIL NIL "BASE64" 4 1))\r\n',
    /extension data in BODY/,
  ],
  [
    "an empty body-fld-param",
    '* 1 FETCH (BODY ("IMAGE" "PNG" () NIL NIL "BASE64" 4))\r\n',
    /empty body-fld-param/,
  ],
  [
    "a date-time with a two-digit year",
    '* 1 FETCH (INTERNALDATE "05-Mar-24 10:00:00 +0000")\r\n',
    /date-time/,
  ],
  [
    "a date-time on 31 February",
    '* 1 FETCH (INTERNALDATE "31-Feb-2024 10:00:00 +0000")\r\n',
    /month/,
  ],
  ["an empty msg-att", "* 1 FETCH ()\r\n", /empty msg-att/],
  ["FETCH of message 0", "* 0 FETCH (UID 1)\r\n", /nz-number/],
  ["UID 0", "* 1 FETCH (UID 0)\r\n", /uniqueid/],
  ["COPYUID sets of different sizes", "a OK [COPYUID 7 1:3 4] Done\r\n", /different sizes/],
  ["a raw UTF-8 mailbox name", '* LIST () "." {5}\r\ncaf\xc3\xa9\r\n', /modified UTF-7/],
  ["two sflags in LIST", '* LIST (\\Noselect \\Marked) "." x\r\n', /sflag/],
  ["\\NonExistent with \\Noselect", '* LIST (\\NonExistent \\Noselect) "." x\r\n', /sflag/],
  ["both child flags", '* LIST (\\HasChildren \\HasNoChildren) "." x\r\n', /HasNoChildren/],
  [
    "\\HasChildren with \\NoInferiors",
    '* LIST (\\NoInferiors \\HasChildren) "." x\r\n',
    /NoInferiors/,
  ],
  ["an empty CHILDINFO", '* LIST () "." x ("CHILDINFO" ())\r\n', /CHILDINFO/],
  ["an unquoted CHILDINFO option", '* LIST () "." x ("CHILDINFO" (SUBSCRIBED))\r\n', /quoted/],
  ["an ID field that is NIL", '* ID (NIL "x")\r\n', /id field/],
  ["CAPABILITY without IMAP4rev1", "* CAPABILITY IDLE\r\n", /IMAP4rev1/],
  ["a keyword holding ']'", "* FLAGS (a]b)\r\n", /flag-list/],
  ["SORT of message 0", "* SORT 1 0\r\n", /nz-number/],
  ["a thread-nested of one list", "* THREAD (1 (2))\r\n", /thread-nested/],
  ["a thread-list of one list", "* THREAD ((1))\r\n", /thread-nested/],
  ["an empty thread-list", "* THREAD ()\r\n", /nz-number of thread-members/],
  ["a THREAD of message 0", "* THREAD (0)\r\n", /nz-number of thread-members/],
  ["an unclosed thread-list", "* THREAD (1 2\r\n", /"\)" of thread-list/],
  ["two blanks in thread-members", "* THREAD (1  2)\r\n", /nz-number of thread-members/],
  ["a THREAD with a blank and no list", "* THREAD \r\n", /"\(" of thread-list/],
  ["a blank between thread-lists", "* THREAD (1) (2)\r\n", /end of response|CRLF/],
  ["ESEARCH MIN 0", '* ESEARCH (TAG "a") MIN 0\r\n', /nz-number/],
  ['ESEARCH ALL with "*"', '* ESEARCH (TAG "a") ALL 1:*\r\n', /seq-number/],
  ["ESEARCH with an unquoted tag", "* ESEARCH (TAG a) COUNT 1\r\n", /tag-string/],
  ["ESEARCH with an unknown item", '* ESEARCH (TAG "a") FIRST 1\r\n', /search-return-data/],
];

for (const [name, wire] of VALID) {
  Deno.test(`the checker takes ${name}`, () => {
    parseResponse(wire);
  });
}

for (const [name, wire, reason] of INVALID) {
  Deno.test(`the checker refuses ${name}`, () => {
    assert.throws(() => parseResponse(wire), (error: unknown) => {
      assert.ok(error instanceof GrammarError, String(error));
      assert.match(error.message, reason);
      return true;
    });
  });
}

Deno.test("the checker reads RFC 5256 4's THREAD example into its tree", () => {
  const response = parseResponse("* THREAD (2)(3 6 (4 23)(44 7 96))((11)(12))\r\n");
  assert.equal(response.kind, "thread");
  // Each node as "n[children]", a dummy as "-".
  type Tree = { number: number | null; children: Tree[] };
  const show = (tree: Tree): string =>
    `${tree.number ?? "-"}${tree.children.length ? `[${tree.children.map(show).join(" ")}]` : ""}`;
  assert.equal(
    (response as { threads: Tree[] }).threads.map(show).join(" "),
    "2 3[6[4[23] 44[7[96]]]] -[11 12]",
  );
});

Deno.test("the checker takes a greeting with capabilities and refuses a tagged one", () => {
  parseGreeting("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n");
  assert.throws(() => parseGreeting("a OK ready\r\n"), GrammarError);
});

Deno.test("modified UTF-7 checks refuse what RFC 3501 5.1.3 forbids", () => {
  const cases: [string, string | RegExp][] = [
    ["Caf&AOk-", "Café"],
    ["&-x", "&x"],
    ["&2D3cAA-", "\u{1F400}"],
    ["&AGE-", /printable ASCII/],
    ["&AOk-&AOk-", /null shift/],
    ["&AOk", /without its "-"/],
    ["&2D0-", /padding|odd|unpaired/],
    ["caf\xe9", /octet/],
  ];
  for (const [wire, expected] of cases) {
    const decoded = decodeModifiedUtf7(wire);
    if (typeof expected === "string") assert.equal(decoded, expected, wire);
    else {
      assert.ok(typeof decoded !== "string", wire);
      assert.match(decoded.problem, expected, wire);
    }
  }
});
