/** What of the original a notice returns: its header section only, and not without bound. */
import assert from "node:assert/strict";
import { MAX_NOTICE_HEADER_BYTES, originalHeaders } from "../../src/delivery/bouncer.ts";
import { encodeEnvelopeLine, type QueuedMessage } from "../../src/spool/mod.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function queued(text: string): QueuedMessage {
  const line = encodeEnvelopeLine({
    qid: "q1",
    from: "a@example.test",
    rcpts: ["b@far.test"],
    arrivalMs: 0,
    source: "smtp",
  });
  const bytes = new Uint8Array([...line, ...encoder.encode(text)]);
  return {
    envelope: { qid: "q1", from: "", rcpts: [], arrivalMs: 0, source: "smtp" },
    bytes,
    messageOffset: line.length,
  };
}

const RECEIVED =
  "Received: from x ([127.0.0.1])\r\n\tby mx.test; Thu, 1 Jan 2026 00:00:00 +0000\r\n";

const CASES: [string, string, string][] = [
  [
    "originalHeaders() ends at the blank line",
    `${RECEIVED}Subject: hi\r\n\r\nbody\r\n`,
    `${RECEIVED}Subject: hi\r\n`,
  ],
  [
    "originalHeaders() reads LF-only line ends",
    "Subject: hi\nX-A: 1\n\nbody\n",
    "Subject: hi\nX-A: 1\n",
  ],
  [
    "originalHeaders() keeps folded fields whole",
    "Subject: a\r\n long\r\n\tsubject\r\nTo: b@far.test\r\n\r\nbody\r\n",
    "Subject: a\r\n long\r\n\tsubject\r\nTo: b@far.test\r\n",
  ],
  [
    "originalHeaders() stops at the first line that is no header field (no blank line before the body)",
    `${RECEIVED}Subject: hi\r\nthis is body text\r\nX-Not: a header any more\r\n`,
    `${RECEIVED}Subject: hi\r\n`,
  ],
  [
    "originalHeaders() takes a message that is all header fields, without a body",
    "Subject: hi\r\nX-A: 1\r\n",
    "Subject: hi\r\nX-A: 1\r\n",
  ],
];
for (const [name, message, expected] of CASES) {
  Deno.test(name, () => assert.equal(decoder.decode(originalHeaders(queued(message))), expected));
}

Deno.test("originalHeaders() cuts a huge header section at a field boundary within the limit", () => {
  const field = `X-Pad: ${"p".repeat(70)}\r\n`;
  const count = Math.ceil((2 * MAX_NOTICE_HEADER_BYTES) / field.length);
  const text = decoder.decode(
    originalHeaders(queued(`${RECEIVED}${field.repeat(count)}\r\nbody\r\n`)),
  );
  assert.ok(text.length <= MAX_NOTICE_HEADER_BYTES, `${text.length} bytes returned`);
  assert.ok(text.length > MAX_NOTICE_HEADER_BYTES - field.length, "as much as fits is kept");
  assert.ok(text.startsWith(RECEIVED));
  assert.ok(text.endsWith(field), "no field is cut in half");
});
