import assert from "node:assert/strict";
import {
  decodeQueueFile,
  encodeEnvelopeLine,
  type Envelope,
  QueueFileError,
} from "../../src/spool/envelope.ts";

const encoder = new TextEncoder();

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const hostile = 'a\r\nb"c\0d\u2028e\u2029f\\g\nPBQ1 {}\r\n.\r\n\ud800';

const envelopes: { name: string; envelope: Envelope }[] = [
  {
    name: "a minimal envelope",
    envelope: {
      qid: "Q1",
      from: "a@b.example",
      rcpts: ["c@d.example"],
      arrivalMs: 1,
      source: "smtp",
    },
  },
  {
    name: "the null sender and several recipients",
    envelope: {
      qid: "Q2",
      from: "",
      rcpts: ["x@y.example", '"q r"@y.example', "jörg@bücher.example"],
      arrivalMs: 1_790_000_000_123,
      source: "bounce",
      isBounce: true,
    },
  },
  {
    name: "every optional field",
    envelope: {
      qid: "Q3",
      from: "a@b.example",
      rcpts: ["c@d.example"],
      arrivalMs: 5,
      source: "submission",
      clientIp: "2001:db8::1",
      helo: "client.example",
      authUser: "alice",
      is8bit: true,
      isSmtputf8: true,
      ret: "HDRS",
      envid: "QQ+2B314",
      rcptDsn: {
        "c@d.example": { notify: ["SUCCESS", "FAILURE"], orcpt: "rfc822;team@d.example" },
      },
      expanded: [{ rcpt: "team@d.example", orcpt: "rfc822;Team@d.example" }],
    },
  },
  {
    name: "fields holding CR LF, quotes, NUL, U+2028 and a lone surrogate",
    envelope: {
      qid: "Q4",
      from: hostile,
      rcpts: [hostile, hostile + "2"],
      arrivalMs: 7,
      source: "smtp",
      clientIp: hostile,
      helo: hostile,
      authUser: hostile,
    },
  },
];

for (const c of envelopes) {
  Deno.test(`encodeEnvelopeLine() and decodeQueueFile() round-trip ${c.name}`, () => {
    const line = encodeEnvelopeLine(c.envelope);
    assert.equal(line.at(-1), 10, "ends with LF");
    assert.equal(line.indexOf(10), line.length - 1, "exactly one line");
    assert.equal(line.indexOf(13), -1, "no CR");
    assert.equal(line.indexOf(0), -1, "no NUL");
    const message = encoder.encode("Subject: x\r\n\r\nbody\r\n");
    const { envelope, messageOffset } = decodeQueueFile(concat(line, message));
    assert.deepEqual(envelope, c.envelope);
    assert.equal(messageOffset, line.length);
  });
}

Deno.test("decodeQueueFile() finds the message offset when the message is empty", () => {
  const line = encodeEnvelopeLine(envelopes[0]!.envelope);
  assert.equal(decodeQueueFile(line).messageOffset, line.length);
});

const damaged: { name: string; text: string }[] = [
  { name: "an empty file", text: "" },
  { name: "a file without an envelope line", text: 'PBQ1 {"qid":"Q"}' },
  {
    name: "a file without the envelope marker",
    text: '{"qid":"Q","from":"","rcpts":[],"arrivalMs":1}\n',
  },
  {
    name: "a file with another marker version",
    text: 'PBQ2 {"qid":"Q","from":"","rcpts":[],"arrivalMs":1}\n',
  },
  { name: "a truncated envelope", text: 'PBQ1 {"qid":"Q","from":"","rc\n' },
  { name: "an envelope that is not JSON", text: "PBQ1 hello\n" },
  { name: "an envelope that is null", text: "PBQ1 null\n" },
  { name: "an envelope that is a number", text: "PBQ1 5\n" },
  { name: "an envelope without recipients", text: 'PBQ1 {"qid":"Q","from":"","arrivalMs":1}\n' },
  { name: "an envelope without a qid", text: 'PBQ1 {"from":"","rcpts":[],"arrivalMs":1}\n' },
  {
    name: "an envelope whose arrival time is text",
    text: 'PBQ1 {"qid":"Q","from":"","rcpts":[],"arrivalMs":"1"}\n',
  },
  {
    name: "an envelope whose recipients are not a list",
    text: 'PBQ1 {"qid":"Q","from":"","rcpts":"a","arrivalMs":1}\n',
  },
  {
    name: "an envelope whose recipients are not text",
    text: 'PBQ1 {"qid":"Q","from":"","rcpts":[1],"arrivalMs":1}\n',
  },
];

for (const c of damaged) {
  Deno.test(`decodeQueueFile() throws QueueFileError for ${c.name}`, () => {
    assert.throws(() => decodeQueueFile(encoder.encode(c.text)), QueueFileError);
  });
}
