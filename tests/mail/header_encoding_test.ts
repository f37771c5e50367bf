import assert from "node:assert/strict";
import { encodeHeaderSection, HeaderEncodingError } from "../../src/mail/mod.ts";
import { decodeHeaderText } from "../../src/mail/encoded_words.ts";
import { bytesToBinary } from "../../src/mail/mime_structure.ts";

const bin = (text: string) => bytesToBinary(new TextEncoder().encode(text));
/** Field values, unfolded and decoded as a reader sees them. */
function decoded(header: string): string[] {
  return header.split(/\r\n(?![ \t])/).filter(Boolean).map((field) =>
    decodeHeaderText(field.replace(/\r\n(?=[ \t])/g, ""))
  );
}

const roundTrips: { name: string; input: string; readsAs: string[] }[] = [
  {
    name: "encodes a UTF-8 Subject and keeps its ASCII words",
    input: "Subject: Grüße aus Köln\r\n",
    readsAs: ["Subject: Grüße aus Köln"],
  },
  {
    name: "encodes a quoted display name with a comma as one phrase",
    input: 'From: "Müller, Jürgen" <j@example.com>\r\n',
    readsAs: ["From: Müller, Jürgen <j@example.com>"],
  },
  {
    name: "turns an internationalized domain into A-labels and encodes comments",
    input: "To: Zoë <zoe@bücher.example> (Frau Zoë), plain@example.com\r\n",
    readsAs: ["To: Zoë <zoe@xn--bcher-kva.example> (Frau Zoë), plain@example.com"],
  },
  {
    name: "splits a long Subject into words of whole characters",
    input: "Subject: " + "日本語のテキスト ".repeat(12) + "end\r\n",
    readsAs: ["Subject: " + "日本語のテキスト ".repeat(12) + "end"],
  },
  {
    name: "keeps the space between an encoded word the sender wrote and 8-bit text, either side",
    input: "Subject: =?utf-8?q?Re:?= café =?utf-8?q?ok?=\r\n",
    readsAs: ["Subject: Re: café ok"],
  },
  {
    name: "treats an extension field as unstructured text",
    input: "X-Note: café\r\n",
    readsAs: ["X-Note: café"],
  },
  {
    name: "encodes a group name",
    input: "To: Bücherfreunde: a@example.com;\r\n",
    readsAs: ["To: Bücherfreunde: a@example.com;"],
  },
];

for (const c of roundTrips) {
  Deno.test(`encodeHeaderSection() ${c.name}`, () => {
    const out = encodeHeaderSection(bin(c.input));
    assert.ok(!/[\x80-\xff]/.test(out), "7-bit output");
    for (const line of out.split("\r\n")) assert.ok(line.length <= 76, `short line: ${line}`);
    for (const word of out.match(/=\?[^?]+\?[QB]\?[^?]*\?=/g) ?? []) {
      assert.ok(word.length <= 75, `encoded word within 75: ${word}`);
    }
    assert.deepEqual(decoded(out), c.readsAs);
  });
}

Deno.test("encodeHeaderSection() leaves 7-bit fields byte for byte, folding included", () => {
  const input = bin("Received: from a\r\n\tby b; x\r\nSubject: é\r\nX-A: b\r\n\r\n");
  const out = encodeHeaderSection(input);
  assert.ok(out.startsWith("Received: from a\r\n\tby b; x\r\nSubject: =?UTF-8?"));
  assert.ok(out.endsWith("?=\r\nX-A: b\r\n\r\n"));
});

Deno.test("encodeHeaderSection() labels non-UTF-8 bytes UNKNOWN-8BIT and keeps them exact", () => {
  const out = encodeHeaderSection("Subject: caf\xe9\r\n");
  assert.equal(out, "Subject: =?UNKNOWN-8BIT?Q?caf=E9?=\r\n");
});

const refusals: { name: string; input: string; reason: RegExp }[] = [
  { name: "an 8-bit local part", input: "To: jürgen@example.com\r\n", reason: /local part/ },
  {
    name: "an 8-bit local part in angle brackets",
    input: "From: J <jürgen@example.com>\r\n",
    reason: /local part/,
  },
  { name: "8-bit in Message-ID", input: "Message-ID: <ä@x>\r\n", reason: /Message-ID/ },
  {
    name: "8-bit in a media type",
    input: "Content-Type: text/plä; name=a.txt\r\n",
    reason: /Content-Type: 8-bit text outside a parameter value/,
  },
  { name: "an 8-bit domain literal", input: "To: a@[ä]\r\n", reason: /literal/ },
  { name: "an 8-bit field name", input: "Sübject: x\r\n", reason: /name/ },
];

for (const c of refusals) {
  Deno.test(`encodeHeaderSection() refuses ${c.name}`, () => {
    assert.throws(() => encodeHeaderSection(bin(c.input)), (error: unknown) => {
      assert.ok(error instanceof HeaderEncodingError);
      assert.match(error.message, c.reason);
      return true;
    });
  });
}

Deno.test("encodeHeaderSection() refuses a MIME parameter in an unknown 8-bit charset", () => {
  // A binary string: 0xE9 is one raw byte here (Latin-1 "é"), not UTF-8.
  const input = 'Content-Disposition: attachment; filename="caf\xe9.txt"\r\n';
  assert.throws(() => encodeHeaderSection(input), (error: unknown) => {
    assert.ok(error instanceof HeaderEncodingError);
    assert.match(error.message, /parameter filename is 8-bit but not UTF-8/);
    return true;
  });
});
