/**
 * How an APPENDed message is stored (crlf_message.ts): bare LFs become
 * CRLF, a lone CR and a CRLF stay, also where a CRLF or a CR is cut between
 * chunks or conversion pieces; the size is counted before any byte is
 * converted, and a big message is converted a piece at a time, never copied whole.
 */
import assert from "node:assert/strict";
import { CONVERT_PIECE_BYTES, crlfMessage } from "../../src/mailbox/crlf_message.ts";
import { Logger } from "../../src/log/mod.ts";
import { Mailboxes, MaildirStore } from "../../src/mailbox/mod.ts";
import { makeTestDir } from "../temp_dirs.ts";
import { biggestArrayDuring } from "../net/array_count.ts";

const latin1 = (text: string) => Uint8Array.from(text, (ch) => ch.charCodeAt(0));
const text = (bytes: Uint8Array) => new TextDecoder("latin1").decode(bytes);

function stored(chunks: string[]): { text: string; sizeBytes: number } {
  const message = crlfMessage(chunks.map(latin1));
  const pieces = [...message.pieces];
  return { text: pieces.map(text).join(""), sizeBytes: message.sizeBytes };
}

const CASES: { name: string; chunks: string[]; want: string }[] = [
  { name: "bare LFs", chunks: ["Subject: x\n\nbody\n"], want: "Subject: x\r\n\r\nbody\r\n" },
  { name: "CRLF as it is", chunks: ["a\r\nb\r\n"], want: "a\r\nb\r\n" },
  { name: "a lone CR stays", chunks: ["a\rb\nc\r"], want: "a\rb\r\nc\r" },
  { name: "a CRLF cut between chunks", chunks: ["a\r", "\nb\n"], want: "a\r\nb\r\n" },
  { name: "an LF starting a chunk", chunks: ["a", "\nb"], want: "a\r\nb" },
  { name: "CR, CR, LF", chunks: ["a\r\r\n"], want: "a\r\r\n" },
  { name: "no line end at all", chunks: ["x"], want: "x" },
];

for (const { name, chunks, want } of CASES) {
  Deno.test(`crlfMessage: ${name}`, () => {
    assert.deepEqual(stored(chunks), { text: want, sizeBytes: want.length });
  });
}

Deno.test("crlfMessage: a CRLF and a bare LF where a conversion piece ends", () => {
  const filler = "x".repeat(CONVERT_PIECE_BYTES - 1);
  const message = `${filler}\r\n${filler}\n\n`;
  const want = `${filler}\r\n${filler}\r\n\r\n`;
  const got = stored([message]);
  assert.equal(got.sizeBytes, want.length);
  assert.ok(got.text === want, "converted across the pieces, nothing doubled");
});

Deno.test("crlfMessage: nothing to convert hands back the chunks themselves", () => {
  const chunks = [latin1("a\r\n"), latin1("b\r\n")];
  assert.equal(crlfMessage(chunks).pieces, chunks);
});

Deno.test("an 8 MB APPEND of bare-LF lines is stored with CRLF without a second copy of it", async () => {
  const spoolDir = makeTestDir({ prefix: "pillarbox-crlf-append-" });
  const log = new Logger({ sink: () => {} });
  const store = new MaildirStore({ spoolDir, hostname: "mx.test" });
  const mailboxes = new Mailboxes({ spoolDir, hostname: "mx.test", log, store });
  const line = latin1("0123456789abcdefghijklmnopqrstuvwxyz\n");
  const lines = Math.floor(8_000_000 / line.length);
  const message = new Uint8Array(lines * line.length);
  for (let i = 0; i < lines; i++) message.set(line, i * line.length);
  const mailbox = await mailboxes.openMailbox("bob@example.test");
  try {
    let sizeBytes = 0;
    const biggest = await biggestArrayDuring(async () => {
      sizeBytes = (await mailbox.append([message])).sizeBytes;
    });
    assert.equal(sizeBytes, message.length + lines, "one CR more per line");
    assert.ok(
      biggest <= 2 * CONVERT_PIECE_BYTES,
      `appending ${message.length} bytes made an array of ${biggest} bytes`,
    );
    const back = await mailbox.readMessage(mailbox.messages()[0]!.uid);
    assert.equal(back.length, sizeBytes);
    assert.equal(
      text(back.subarray(0, 2 * line.length + 2)),
      "0123456789abcdefghijklmnopqrstuvwxyz\r\n".repeat(2),
    );
  } finally {
    mailbox.release();
  }
});
