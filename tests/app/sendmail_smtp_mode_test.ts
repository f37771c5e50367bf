/** `sendmail -bs`'s dialogue, with a stand-in for the queue. */
import assert from "node:assert/strict";
import { runSmtpMode } from "../../src/app/sendmail_smtp_mode.ts";

async function converse(lines: string[]) {
  const replies: string[] = [];
  const queued: { text: string; sender: string; rcpts: string[] }[] = [];
  const status = await runSmtpMode({
    stdin: ReadableStream.from([new TextEncoder().encode(lines.join("\r\n") + "\r\n")]),
    reply: (line) => replies.push(line),
    hostname: "mx.test",
    defaultDomain: "example.test",
    maxMessageBytes: 1000,
    queue: (bytes, envelope) => {
      queued.push({ text: new TextDecoder().decode(bytes), ...envelope });
      return Promise.resolve({ qid: `q${queued.length}` });
    },
  });
  return { status, replies, queued };
}

Deno.test("sendmail -bs reads UTF-8 addresses in MAIL and RCPT as UTF-8 (RFC 6531)", async () => {
  const { queued, replies } = await converse([
    "EHLO x",
    "MAIL FROM:<jörg@example.test>",
    "RCPT TO:<müller@example.test>",
    "DATA",
    "Subject: ü",
    "",
    "ü",
    ".",
    "QUIT",
  ]);
  assert.deepEqual(queued.map((q) => [q.sender, q.rcpts]), [
    ["jörg@example.test", ["müller@example.test"]],
  ], replies.join("\n"));
  assert.ok(replies.includes("250 SMTPUTF8"), "SMTPUTF8 offered, so clients send such addresses");
  assert.equal(queued[0]!.text, "Subject: ü\r\n\r\nü\r\n");
});

Deno.test("sendmail -bs answers out-of-order commands and takes bare names in the default domain", async () => {
  const { queued, replies, status } = await converse([
    "RCPT TO:<bob@example.test>",
    "DATA",
    "MAIL FROM:<>",
    "RCPT TO:<root>",
    "DATA",
    "x",
    ".",
  ]);
  assert.equal(status, 0);
  assert.deepEqual(replies.map((r) => r.slice(0, 3)), [
    "220",
    "503",
    "503",
    "250",
    "250",
    "354",
    "250",
  ]);
  assert.deepEqual(queued.map((q) => [q.sender, q.rcpts]), [["", ["root@example.test"]]]);
});

Deno.test("sendmail -bs refuses a message over the size limit and queues nothing", async () => {
  const { queued, replies } = await converse([
    "MAIL FROM:<a@example.test>",
    "RCPT TO:<b@example.test>",
    "DATA",
    "x".repeat(600),
    "y".repeat(600),
    ".",
  ]);
  assert.equal(queued.length, 0);
  assert.match(replies.at(-1)!, /^552 5\.3\.4 /);
});

// RFC 5321 4.1.4: an EHLO (or HELO) later in the session resets the state as RSET does.
Deno.test("sendmail -bs starts a new transaction after a second EHLO", async () => {
  const { queued, replies } = await converse([
    "EHLO x",
    "MAIL FROM:<old@example.test>",
    "RCPT TO:<stale@example.test>",
    "EHLO x",
    "MAIL FROM:<new@example.test>",
    "RCPT TO:<b@example.test>",
    "DATA",
    "x",
    ".",
    "QUIT",
  ]);
  assert.deepEqual(queued.map((q) => [q.sender, q.rcpts]), [
    ["new@example.test", ["b@example.test"]],
  ], replies.join("\n"));
});

// RFC 1870 6.1: a declared SIZE over the limit is refused at MAIL, before the client sends it.
Deno.test("sendmail -bs refuses MAIL whose SIZE is over the limit, and takes one within it", async () => {
  const { replies } = await converse([
    "EHLO x",
    "MAIL FROM:<a@example.test> SIZE=5000 BODY=8BITMIME",
    "MAIL FROM:<a@example.test> SIZE=900 BODY=8BITMIME",
  ]);
  assert.match(replies.at(-2)!, /^552 5\.3\.4 /);
  assert.match(replies.at(-1)!, /^250 /);
});

// A line is held only up to the size limit: past it the message is too large however the line
// ends. Held whole, 600 MB without a line break passed V8's longest string and the dialogue
// died (RangeError) instead of refusing that message and going on.
Deno.test("sendmail -bs refuses a message whose line never ends within the limit, and goes on", async () => {
  const piece = new Uint8Array(64 * 1024 * 1024).fill(0x78);
  const encode = (text: string) => new TextEncoder().encode(text);
  const replies: string[] = [];
  const queued: string[] = [];
  const status = await runSmtpMode({
    stdin: ReadableStream.from([
      encode("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n"),
      ...Array.from({ length: 9 }, () => piece),
      encode("\r\n.\r\nMAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n"),
      encode("small\r\n.\r\nQUIT\r\n"),
    ]),
    reply: (line) => replies.push(line),
    hostname: "mx.test",
    defaultDomain: "example.test",
    maxMessageBytes: 1000,
    queue: (bytes) => {
      queued.push(new TextDecoder().decode(bytes));
      return Promise.resolve({ qid: `q${queued.length}` });
    },
  });
  assert.equal(status, 0);
  assert.deepEqual(replies.map((reply) => reply.slice(0, 3)), [
    "220",
    "250",
    "250",
    "354",
    "552",
    "250",
    "250",
    "354",
    "250",
    "221",
  ]);
  assert.deepEqual(queued, ["small\r\n"]);
});
