import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  decodeTransferEncoding,
  searchableBody,
  searchableText,
} from "../../src/mail/body_text.ts";
import { decodeHeaderText } from "../../src/mail/encoded_words.ts";

/** UTF-8 text -> binary string (one char per byte), as messages are read from disk. */
const binary = (text: string) => Buffer.from(text, "utf8").toString("latin1");

const HEADER_CASES: [string, string, string][] = [
  ["decodeHeaderText() leaves plain ASCII alone", "Quarterly report", "Quarterly report"],
  [
    "decodeHeaderText() decodes a Q word with underscores",
    "=?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=",
    "Grüße aus Köln",
  ],
  ["decodeHeaderText() decodes a B word", "=?utf-8?B?0J/RgNC40LLQtdGC?=", "Привет"],
  ["decodeHeaderText() decodes ISO-8859-1", "=?ISO-8859-1?Q?Caf=E9?= ouvert", "Café ouvert"],
  [
    "decodeHeaderText() drops blanks between adjacent words",
    "=?UTF-8?Q?a?= \r\n =?UTF-8?Q?b?=",
    "ab",
  ],
  [
    "decodeHeaderText() keeps text between a word and plain text",
    "Re: =?UTF-8?Q?caf=C3=A9?= now",
    "Re: café now",
  ],
  [
    "decodeHeaderText() joins a character split across two words",
    "=?UTF-8?B?w6k=?= =?UTF-8?Q?=C3?= =?UTF-8?Q?=A9?=",
    "éé",
  ],
  ["decodeHeaderText() takes a charset with a language (RFC 2231)", "=?UTF-8*en?Q?hi=21?=", "hi!"],
  ["decodeHeaderText() reads raw UTF-8 bytes (RFC 6532)", binary("Grüße"), "Grüße"],
  ["decodeHeaderText() falls back to Latin-1 for invalid UTF-8", "Caf\xe9", "Café"],
  [
    "decodeHeaderText() keeps a word in an unknown charset readable",
    "=?x-unknown?Q?plain?=",
    "plain",
  ],
  ["decodeHeaderText() leaves a malformed word as is", "=?UTF-8?X?abc?=", "=?UTF-8?X?abc?="],
  // RFC 2047 2: charset is a token, at least one character.
  ["decodeHeaderText() leaves a word without a charset as is", "=??Q?abc?=", "=??Q?abc?="],
  // RFC 2047 2: the encoding letter may be written in either case.
  ["decodeHeaderText() decodes a lower-case b word", "=?utf-8?b?Y2Fmw6k=?=", "café"],
  // RFC 2047 4.2 and RFC 2045 6.7: a robust decoder takes lower-case hex digits too.
  ["decodeHeaderText() decodes lower-case hex in a Q word", "=?utf-8?q?caf=c3=a9?=", "café"],
  [
    "decodeHeaderText() takes a language on a charset other than UTF-8 (RFC 2231 5)",
    "=?ISO-8859-2*pl?Q?=B1?=",
    "ą",
  ],
  ["decodeHeaderText() keeps blanks before the first encoded word", "  =?utf-8?Q?x?=", "  x"],
  [
    "decodeHeaderText() joins a split character across words whose charset differs in case",
    "=?UTF-8?Q?=C3?= =?utf-8?Q?=A9?=",
    "é",
  ],
];

for (const [name, input, expect] of HEADER_CASES) {
  Deno.test(name, () => assert.equal(decodeHeaderText(input), expect));
}

const TRANSFER_CASES: [string, string, string, string][] = [
  [
    "decodeTransferEncoding() undoes quoted-printable with soft breaks",
    "Gr=C3=BC=\r\n=C3=9Fe",
    "quoted-printable",
    "Grüße",
  ],
  [
    "decodeTransferEncoding() drops transport padding before line ends",
    "a  \r\nb",
    "Quoted-Printable",
    "a\r\nb",
  ],
  [
    "decodeTransferEncoding() undoes base64 across lines",
    "R3LDvMOf\r\nZQ==\r\n",
    "base64",
    "Grüße",
  ],
  ["decodeTransferEncoding() passes 8bit through", binary("Grüße"), "8bit", "Grüße"],
  [
    "decodeTransferEncoding() decodes base64 chunks padded one by one without shifting the bits",
    "SGVsbG8=\r\nV29ybGQ=\r\n",
    "base64",
    "HelloWorld",
  ],
  [
    "decodeTransferEncoding() decodes base64 with a chunk ending in two pad characters",
    "R3LDvMOfZQ==\r\nIGF1cw==\r\n",
    "base64",
    "Grüße aus",
  ],
];

for (const [name, input, encoding, expect] of TRANSFER_CASES) {
  Deno.test(name, () => {
    assert.equal(new TextDecoder().decode(decodeTransferEncoding(input, encoding)), expect);
  });
}

const MULTIPART = [
  "Content-Type: multipart/mixed; boundary=XX",
  "",
  "--XX",
  "Content-Type: text/plain; charset=utf-8",
  "Content-Transfer-Encoding: quoted-printable",
  "",
  "Die Stra=C3=9Fe ist gesperrt.",
  "--XX",
  "Content-Type: text/html; charset=iso-8859-1",
  "Content-Transfer-Encoding: base64",
  "",
  Buffer.from("<p>Caf\xe9 cr\xe8me</p>", "latin1").toString("base64"),
  "--XX",
  "Content-Type: application/pdf",
  "Content-Transfer-Encoding: base64",
  "",
  Buffer.from("secret pdf words").toString("base64"),
  "--XX",
  "Content-Type: message/rfc822",
  "",
  "Subject: =?UTF-8?Q?inner_=C3=A9t=C3=A9?=",
  "",
  "inner body",
  "--XX--",
  "",
].join("\r\n");

const BODY_CASES: [string, string, string, boolean][] = [
  ["searchableBody() decodes a quoted-printable UTF-8 part", MULTIPART, "Straße ist", true],
  ["searchableBody() decodes a base64 Latin-1 HTML part", MULTIPART, "Café crème", true],
  ["searchableBody() skips non-text attachments", MULTIPART, "secret pdf", false],
  ["searchableBody() includes an embedded message's decoded header", MULTIPART, "inner été", true],
  ["searchableBody() includes an embedded message's body", MULTIPART, "inner body", true],
  [
    "searchableBody() reads a single-part message without a Content-Type as UTF-8",
    binary("Subject: x\r\n\r\nZürich calling\r\n"),
    "Zürich",
    true,
  ],
  [
    "searchableBody() decodes a single base64 text part",
    "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
    Buffer.from("Ünïcödé body").toString("base64") + "\r\n",
    "Ünïcödé",
    true,
  ],
  [
    "searchableBody() decodes base64 named with a comment beside it (RFC 2045 6.1)",
    "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: (packed) BASE64\r\n\r\n" +
    Buffer.from("Grüße aus Köln").toString("base64") + "\r\n",
    "Grüße",
    true,
  ],
  [
    "searchableBody() unfolds an embedded message's header: a folded field reads as one line",
    "Content-Type: message/rfc822\r\n\r\nSubject: quarterly\r\n report\r\n\r\nbody\r\n",
    "quarterly report",
    true,
  ],
  [
    "searchableBody() decodes each embedded header field on its own: Latin-1 in one spares UTF-8 in another",
    "Content-Type: message/rfc822\r\n\r\n" + "X-Old: caf\xe9\r\n" + binary("Subject: Grüße\r\n") +
    "\r\nbody\r\n",
    "Subject: Grüße",
    true,
  ],
  [
    "searchableBody() reads an embedded message/global (RFC 6532): its UTF-8 header",
    binary("Content-Type: message/global\r\n\r\nSubject: Grüße\r\n\r\nHallo Welt\r\n"),
    "Subject: Grüße",
    true,
  ],
  [
    "searchableBody() reads an embedded message/global: its body",
    binary("Content-Type: message/global\r\n\r\nSubject: Grüße\r\n\r\nHallo Welt\r\n"),
    "Hallo Welt",
    true,
  ],
  [
    "searchableBody() undoes base64 on a message/global part (RFC 6532 3.5) before reading it",
    "Content-Type: message/global\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
    Buffer.from("Subject: Grüße\r\n\r\nHallo Welt\r\n").toString("base64") + "\r\n",
    "Hallo Welt",
    true,
  ],
];

for (const [name, message, needle, expect] of BODY_CASES) {
  Deno.test(name, () => assert.equal(searchableBody(message).includes(needle), expect));
}

Deno.test("searchableBody() stops reading message/global parts nested deeper than eight", () => {
  const nested = (depth: number) =>
    "Content-Type: message/global\r\n\r\n".repeat(depth) + "Subject: x\r\n\r\ndeep text\r\n";
  assert.equal(searchableBody(nested(8)).includes("deep text"), true);
  assert.equal(searchableBody(nested(50_000)).includes("deep text"), false);
});

Deno.test("searchableText() given the message's bytes as well reads the same text from them", () => {
  const messages = [
    ...new Set(BODY_CASES.map(([, message]) => message)),
    binary(
      "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
    ) +
    "Caf\xe9 8bit\r\n",
    binary("Subject: binary\r\nContent-Transfer-Encoding: binary\r\n\r\nZürich\r\n"),
  ];
  for (const message of messages) {
    const bytes = new Uint8Array(Buffer.from(message, "latin1"));
    assert.deepEqual(searchableText(message, bytes), searchableText(message), message);
  }
});
