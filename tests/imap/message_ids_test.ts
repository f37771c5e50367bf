/** Message IDs as THREAD REFERENCES reads them (RFC 5256 3, RFC 5322 3.6.4): a table. */
import assert from "node:assert/strict";
import {
  firstMessageId,
  MAX_MESSAGE_ID_CHARS,
  MAX_REFERENCES,
  messageReferences,
} from "../../src/imap/message_ids.ts";

const FIRST: [string, string, string | null][] = [
  ["a plain msg-id", "<a.b@x.test>", "a.b@x.test"],
  ["blanks and a comment around it", " (sent by x) <a@x.test> ", "a@x.test"],
  [
    "a quoted local part, unquoted (RFC 5256's own example)",
    '<"01KF8JCEOCBS0045PS"@xxx.yyy.com>',
    "01KF8JCEOCBS0045PS@xxx.yyy.com",
  ],
  ["a quoted local part with a blank and a quoted-pair", '<"a \\"b"@x.test>', 'a "b@x.test'],
  ["a quoted local part holding @ and >", '<"a@b>c"@x.test>', "a@b>c@x.test"],
  ["obsolete folds and comments inside, dropped", "<a . b (c) @\r\n x.test>", "a.b@x.test"],
  ["a domain literal", "<a@[192.0.2.1]>", "a@[192.0.2.1]"],
  ["case kept (comparisons are case-sensitive)", "<ABC@X.test>", "ABC@X.test"],
  ["8-bit text kept as read", "<caf\xc3\xa9@x.test>", "caf\xc3\xa9@x.test"],
  ["no @: no ID", "<abc>", null],
  ["nothing before the @: no ID", "<@x.test>", null],
  ["nothing after the @: no ID", "<a@>", null],
  ["an empty <>: no ID", "<>", null],
  ["no closing bracket: no ID", "<a@x.test", null],
  ["bare text: no ID", "a@x.test", null],
  ["the first valid one of several", "<bad> <a@x.test> <b@x.test>", "a@x.test"],
  ["a second < restarts the ID", "<junk <a@x.test>", "a@x.test"],
  ["a < inside a quoted phrase starts no ID", '"Your <q@x.test> of Monday" <a@x.test>', "a@x.test"],
  ["a < inside a comment starts no ID", "(see <q@x.test>) <a@x.test>", "a@x.test"],
  // RFC 5322 3.2.2: a quoted-pair in a comment is text, so "\\(" opens no nested comment.
  [
    "a comment with quoted parentheses ends at its own )",
    "(a \\( <q@x.test>) <a@x.test>",
    "a@x.test",
  ],
  [
    "an ID of 998 characters",
    `<${"a".repeat(MAX_MESSAGE_ID_CHARS - 7)}@x.test>`,
    `${"a".repeat(MAX_MESSAGE_ID_CHARS - 7)}@x.test`,
  ],
  ["an ID longer than a line: none", `<${"a".repeat(MAX_MESSAGE_ID_CHARS - 6)}@x.test>`, null],
];
for (const [name, value, expected] of FIRST) {
  Deno.test(`firstMessageId() reads ${name}`, () => {
    assert.equal(firstMessageId(value), expected);
  });
}

const REFERENCES: [string, string | null, string | null, string[]][] = [
  ["References' IDs in order", "<a@x> <b@x>\r\n <c@x>", null, ["a@x", "b@x", "c@x"]],
  ["References without blanks between IDs", "<a@x><b@x>", null, ["a@x", "b@x"]],
  ["References' invalid IDs passed over", "<a@x> <junk> <b@x>", "<z@x>", ["a@x", "b@x"]],
  ["In-Reply-To's first ID without References", null, "<z@x> <y@x>", ["z@x"]],
  ["In-Reply-To when References has no valid ID", "<junk> none", "<z@x>", ["z@x"]],
  ["In-Reply-To's first valid ID after a phrase", null, 'Your message of "Mon" <z@x>', ["z@x"]],
  ["nothing when neither has an ID", "junk", "junk", []],
  ["nothing without either field", null, null, []],
  ["a repeated ID kept twice (loops are the threader's)", "<a@x> <a@x>", null, ["a@x", "a@x"]],
];
for (const [name, references, inReplyTo, expected] of REFERENCES) {
  Deno.test(`messageReferences() takes ${name}`, () => {
    assert.deepEqual(messageReferences(references, inReplyTo), expected);
  });
}

Deno.test("messageReferences() keeps the last MAX_REFERENCES of a huge References field", () => {
  const count = 100_000;
  const field = Array.from({ length: count }, (_, i) => `<m${i}@x>`).join(" ");
  const ids = messageReferences(field, null);
  assert.equal(ids.length, MAX_REFERENCES);
  assert.equal(ids[0], `m${count - MAX_REFERENCES}@x`);
  assert.equal(ids.at(-1), `m${count - 1}@x`);
});

Deno.test("messageReferences() keeps the last MAX_REFERENCES when the field has a few more", () => {
  // The last reference is the message's parent (RFC 5256 3, step 1.B): it must be kept
  // whatever the count, not only when the count happens to be a multiple of the cap.
  const count = MAX_REFERENCES + MAX_REFERENCES / 2;
  const field = Array.from({ length: count }, (_, i) => `<m${i}@x>`).join(" ");
  const ids = messageReferences(field, null);
  assert.equal(ids.length, MAX_REFERENCES);
  assert.equal(ids[0], `m${count - MAX_REFERENCES}@x`);
  assert.equal(ids.at(-1), `m${count - 1}@x`);
});
