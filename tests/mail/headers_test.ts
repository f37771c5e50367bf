import assert from "node:assert/strict";
import {
  countReceived,
  headerSection,
  holdsHeaderEnd,
  startsWithBodyText,
} from "../../src/mail/headers.ts";

const encoder = new TextEncoder();

const sectionCases: { name: string; message: string; expected: string }[] = [
  {
    name: "stops at the blank line and keeps the last header's CRLF",
    message: "A: 1\r\nB: 2\r\n\r\nbody\r\n\r\nmore\r\n",
    expected: "A: 1\r\nB: 2\r\n",
  },
  {
    name: "keeps folded lines",
    message: "Received: from x\r\n\tby y; date\r\n\r\nbody",
    expected: "Received: from x\r\n\tby y; date\r\n",
  },
  {
    name: "returns everything for a message without a body",
    message: "A: 1\r\nB: 2\r\n",
    expected: "A: 1\r\nB: 2\r\n",
  },
  {
    name: "returns nothing for a message whose header section is empty",
    message: "\r\nReceived: from body\r\n\r\nmore",
    expected: "",
  },
  { name: "returns nothing for an empty message", message: "", expected: "" },
  {
    name: "decodes 8-bit octets one per character",
    message: "Subject: caf\xe9\r\n\r\n",
    expected: "Subject: caf\xe9\r\n",
  },
];

sectionCases.push(
  {
    name: "stops after a bare-LF blank line (two octets past the line end, as for CRLF)",
    message: "A: 1\nB: 2\n\nbody",
    expected: "A: 1\nB: 2\n\n",
  },
  {
    name: "stops at LF then CRLF (what the text search always gave)",
    message: "A: 1\n\r\nbody",
    expected: "A: 1\n\r",
  },
  { name: "stops at CRLF then LF", message: "A: 1\r\n\nbody", expected: "A: 1\r\n" },
  { name: "a lone CR is no line end", message: "A: 1\r\r\nB: 2", expected: "A: 1\r\r\nB: 2" },
  { name: "returns nothing for a message starting with LF", message: "\nA: 1", expected: "" },
);

/** The definition the byte search must keep: a text search over the whole decoded message. */
function sectionByTextSearch(message: string): string {
  if (/^\r?\n/.test(message)) return "";
  const end = message.search(/\r?\n\r?\n/);
  return end < 0 ? message : message.slice(0, end + 2);
}

Deno.test("headerSection() matches a text search on 20,000 random messages", () => {
  const pieces = ["A: 1", "\r", "\n", "\r\n", "x", "\xe9", " "];
  let state = 7;
  const next = () => (state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
  for (let n = 0; n < 20_000; n++) {
    let message = "";
    for (let i = Math.floor(next() * 12); i > 0; i--) {
      message += pieces[Math.floor(next() * pieces.length)];
    }
    const bytes = Uint8Array.from(message, (ch) => ch.charCodeAt(0));
    assert.equal(headerSection(bytes), sectionByTextSearch(message), JSON.stringify(message));
  }
});

for (const c of sectionCases) {
  Deno.test(`headerSection() ${c.name}`, () => {
    const bytes = Uint8Array.from(c.message, (ch) => ch.charCodeAt(0));
    assert.equal(headerSection(bytes), c.expected);
  });
}

Deno.test("headerSection() ignores Received lines in the body", () => {
  const message = "Received: a\r\nSubject: x\r\n\r\nReceived: b\r\nReceived: c\r\n";
  assert.equal(countReceived(headerSection(encoder.encode(message))), 1);
});

const countCases: { name: string; headers: string; expected: number }[] = [
  { name: "counts nothing in an empty section", headers: "", expected: 0 },
  {
    name: "counts each Received header once, whatever its case",
    headers: "Received: a\r\nRECEIVED: b\r\nreceived: c\r\nSubject: x\r\n",
    expected: 3,
  },
  {
    name: "does not count continuation lines of a folded header",
    headers: "Received: from a\r\n\tby b\r\n Received: fake\r\nSubject: x\r\n",
    expected: 1,
  },
  {
    name: "accepts spaces before the colon",
    headers: "Received : a\r\nReceived\t: b\r\n",
    expected: 2,
  },
  {
    name: "does not count other headers that start with Received",
    headers: "Received-SPF: pass\r\nX-Received: x\r\nReceivedBy: y\r\n",
    expected: 0,
  },
  { name: "counts LF-terminated lines too", headers: "Received: a\nReceived: b\n", expected: 2 },
];

for (const c of countCases) {
  Deno.test(`countReceived() ${c.name}`, () => {
    assert.equal(countReceived(c.headers), c.expected);
  });
}

const bodyTextCases: { name: string; message: string; expected: boolean }[] = [
  { name: "a header field", message: "Subject: hi\r\n\r\nbody\r\n", expected: false },
  {
    name: "a field with blanks before the colon (obsolete syntax)",
    message: "Subject :hi\r\n",
    expected: false,
  },
  { name: "a field without a line end", message: "X-A:b", expected: false },
  { name: "the blank line of an empty header section", message: "\r\nbody\r\n", expected: false },
  { name: "a bare LF blank line", message: "\nbody\n", expected: false },
  { name: "an empty message", message: "", expected: false },
  { name: "a line of prose", message: "no header here\r\n", expected: true },
  { name: "a word without a colon and without a line end", message: "hello", expected: true },
  {
    name: "a line starting with a blank (a fold with nothing to fold)",
    message: " Subject: x\r\n",
    expected: true,
  },
  { name: "a lone colon", message: ": x\r\n", expected: true },
  {
    name: "an mbox From_ line",
    message: "From alice@example.test Mon Jan  1 00:00:00 2024\r\nSubject: x\r\n",
    expected: true,
  },
  { name: "a non-ASCII field name", message: "Sübject: x\r\n", expected: true },
  { name: "a DEL in the field name (RFC 5322 2.2 ftext)", message: "X\x7f: x\r\n", expected: true },
  {
    name: "a tab before the colon (obsolete syntax)",
    message: "Subject\t: hi\r\n",
    expected: false,
  },
];

for (const c of bodyTextCases) {
  Deno.test(`startsWithBodyText() is ${c.expected} for ${c.name}`, () => {
    assert.equal(startsWithBodyText(encoder.encode(c.message)), c.expected);
  });
}

const headerEndCases: { name: string; text: string; expected: boolean }[] = [
  { name: "a header and a body", text: "Subject: a\r\n\r\nbody\r\n", expected: true },
  { name: "a message that starts with the blank line", text: "\r\nbody", expected: true },
  {
    name: "a header cut before its blank line",
    text: "Subject: a\r\nDate: x\r\n",
    expected: false,
  },
  { name: "a header cut inside its blank line", text: "Subject: a\r\n\r", expected: false },
  { name: "no bytes at all", text: "", expected: false },
  { name: "a header and a bare LF blank line", text: "Subject: a\n\nbody\n", expected: true },
  { name: "a message that starts with a bare LF blank line", text: "\nbody", expected: true },
];

for (const c of headerEndCases) {
  Deno.test(`holdsHeaderEnd() is ${c.expected} for ${c.name}`, () => {
    assert.equal(holdsHeaderEnd(new TextEncoder().encode(c.text)), c.expected);
  });
}
