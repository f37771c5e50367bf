/** What a failure notice returns for RET=FULL: the whole message when a notice can carry it. */
import assert from "node:assert/strict";
import {
  MAX_RETURNED_MESSAGE_BYTES,
  returnedContent,
} from "../../src/delivery/returned_content.ts";
import type { QueuedMessage } from "../../src/spool/mod.ts";

const encoder = new TextEncoder();

function queued(message: string | Uint8Array): QueuedMessage {
  const head = encoder.encode("PBQ1 {}\n");
  const body = typeof message === "string" ? encoder.encode(message) : message;
  const bytes = new Uint8Array(head.length + body.length);
  bytes.set(head);
  bytes.set(body, head.length);
  return {
    envelope: { qid: "Q", from: "a@x.test", rcpts: ["b@x.test"], arrivalMs: 1, source: "smtp" },
    bytes,
    messageOffset: head.length,
  };
}

/** A 7-bit message of exactly `size` octets in 100-octet lines. */
function ofSize(size: number): string {
  let text = "S: x\r\n\r\n";
  while (size - text.length >= 100 + 3) text += "a".repeat(98) + "\r\n";
  const message = text + "b".repeat(size - text.length - 2) + "\r\n";
  assert.equal(message.length, size);
  return message;
}

const cases: { name: string; message: string | Uint8Array; isWhole: boolean }[] = [
  { name: "a 7-bit message with CRLF lines", message: "Subject: x\r\n\r\nbody\r\n", isWhole: true },
  {
    name: "a message of exactly the limit",
    message: ofSize(MAX_RETURNED_MESSAGE_BYTES),
    isWhole: true,
  },
  {
    name: "a message one octet over the limit",
    message: ofSize(MAX_RETURNED_MESSAGE_BYTES + 1),
    isWhole: false,
  },
  { name: "a message with an 8-bit byte", message: "Subject: Grüße\r\n\r\nx\r\n", isWhole: false },
  {
    name: "a message with the octet 0x80, the first that is not 7-bit",
    message: Uint8Array.from(
      [..."Subject: x\r\n\r\nx"].map((ch) => ch.charCodeAt(0)).concat([0x80, 13, 10]),
    ),
    isWhole: false,
  },
  { name: "a message with a bare LF", message: "Subject: x\n\r\nbody\r\n", isWhole: false },
  { name: "a message with a bare CR", message: "Subject: x\r\n\r\nbo\rdy\r\n", isWhole: false },
  { name: "a message with a NUL", message: "Subject: x\r\n\r\nbo\0dy\r\n", isWhole: false },
  {
    name: "a line of 999 octets",
    message: "S: x\r\n\r\n" + "a".repeat(999) + "\r\n",
    isWhole: false,
  },
  {
    name: "a last line of 999 octets without a line end",
    message: "S: x\r\n\r\n" + "a".repeat(999),
    isWhole: false,
  },
  {
    name: "a line of 998 octets",
    message: "S: x\r\n\r\n" + "a".repeat(998) + "\r\n",
    isWhole: true,
  },
];

for (const c of cases) {
  Deno.test(`returnedContent() returns ${c.isWhole ? "the whole of" : "only the headers of"} ${c.name}`, () => {
    const result = returnedContent(queued(c.message));
    assert.equal("returnedMessage" in result, c.isWhole, JSON.stringify(result).slice(0, 200));
    if (!c.isWhole) {
      assert.match((result as { returnNote: string }).returnNote, /^Only the headers/);
    }
  });
}
