import assert from "node:assert/strict";
import { countReceived, headerSection } from "../../src/mail/headers.ts";

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
