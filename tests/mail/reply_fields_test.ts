import assert from "node:assert/strict";
import { replyFields } from "../../src/mail/reply_fields.ts";

const CASES: { name: string; headers: string; expected: string[] }[] = [
  {
    name: "a message with only a Message-ID is named in both fields",
    headers: "Subject: hi\r\nMessage-ID: <a@x.test>\r\n",
    expected: ["In-Reply-To: <a@x.test>", "References: <a@x.test>"],
  },
  {
    name: "the parent's References come first, its Message-ID last",
    headers: "References: <root@x.test>\r\n <mid@x.test>\r\nMessage-Id:<a@x.test>\r\n",
    expected: [
      "In-Reply-To: <a@x.test>",
      "References: <root@x.test>",
      " <mid@x.test>",
      " <a@x.test>",
    ],
  },
  {
    name: "without References, an In-Reply-To naming one message stands in for them",
    headers: "In-Reply-To: <p@x.test>\r\nMessage-ID: <a@x.test>\r\n",
    expected: ["In-Reply-To: <a@x.test>", "References: <p@x.test>", " <a@x.test>"],
  },
  {
    name: "an In-Reply-To naming two messages is no thread to follow",
    headers: "In-Reply-To: <p@x.test> <q@x.test>\r\nMessage-ID: <a@x.test>\r\n",
    expected: ["In-Reply-To: <a@x.test>", "References: <a@x.test>"],
  },
  {
    name: "a domain literal in a Message-ID is kept",
    headers: "Message-ID: <a.b@[192.0.2.1]>\r\n",
    expected: ["In-Reply-To: <a.b@[192.0.2.1]>", "References: <a.b@[192.0.2.1]>"],
  },
  {
    name: "a message without a Message-ID gets neither field",
    headers: "Subject: hi\r\nReferences: <root@x.test>\r\n",
    expected: [],
  },
  {
    name:
      "a Message-ID that is no msg-id (spaces, no @, a line break smuggled in) gets neither field",
    headers: "Message-ID: <not an id>\r\nX: <y@x.test>\r\n",
    expected: [],
  },
  {
    name: "junk around the identifiers in References is left out",
    headers: "References: (comment) <r@x.test> junk\r\nMessage-ID: <a@x.test>\r\n",
    expected: ["In-Reply-To: <a@x.test>", "References: <r@x.test>", " <a@x.test>"],
  },
];

for (const { name, headers, expected } of CASES) {
  Deno.test(`replyFields(): ${name}`, () => assert.deepEqual(replyFields(headers), expected));
}

Deno.test("replyFields() keeps the thread's root and the latest references of a long thread", () => {
  const ids = Array.from({ length: 50 }, (_, i) => `<m${i}@x.test>`);
  const fields = replyFields(`References: ${ids.join(" ")}\r\nMessage-ID: <a@x.test>\r\n`);
  const references = fields.slice(1).map((line) => line.replace(/^References:/, "").trim());
  assert.equal(references.length, 20);
  assert.equal(references[0], "<m0@x.test>");
  assert.equal(references.at(-1), "<a@x.test>");
  assert.equal(references.at(-2), "<m49@x.test>");
});
