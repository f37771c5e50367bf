/**
 * A message's MIME structure has at most 10,000 entities, however many
 * delimiter lines it holds: past that, a multipart's last part runs to the
 * end of its body. Each entity costs the server some hundreds of bytes and
 * BODYSTRUCTURE some dozens of response bytes, so a 2.4 MB message of
 * 200,000 empty parts, which anyone may send, made one FETCH take 130 MB.
 * Counted in entities parsed and response bytes, not in time or RSS.
 */
import assert from "node:assert/strict";
import { formatBodyStructure } from "../../src/imap/body_structure.ts";
import { type MimePart, parseMimeStructure } from "../../src/mail/mod.ts";

const LIMIT = 10_000;

function multipart(parts: number): string {
  return "Subject: parts\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
    "--b\r\n\r\nx\r\n".repeat(parts) + "--b--\r\n";
}

function entities(part: MimePart): number {
  let count = 1;
  for (const child of part.parts) count += entities(child);
  if (part.message !== null) count += entities(part.message);
  return count;
}

Deno.test("a message of 50,000 parts is parsed into at most 10,000 entities", () => {
  const message = multipart(50_000);
  const root = parseMimeStructure(message);
  const count = entities(root);
  assert.ok(count <= LIMIT + 1, `${count} entities parsed`);
  // Nothing is lost: the last part holds the rest of the body, delimiter lines and all.
  const last = root.parts.at(-1)!;
  assert.equal(last.bodyEnd, message.length);
  assert.ok(message.slice(last.bodyStart).startsWith("x\r\n--b\r\n"), "the rest, as sent");
  const structure = formatBodyStructure(message, root, true);
  assert.ok(structure.length < 100 * LIMIT, `BODYSTRUCTURE of ${structure.length} bytes`);
});

Deno.test("a message of 50,000 parts nested two deep is parsed into at most 10,000 entities", () => {
  const inner = "Content-Type: multipart/mixed; boundary=c\r\n\r\n" +
    "--c\r\n\r\ny\r\n".repeat(5_000) +
    "--c--\r\n";
  const message =
    "Subject: nested\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
    `--b\r\n${inner}\r\n`.repeat(10) + "--b--\r\n";
  const count = entities(parseMimeStructure(message));
  assert.ok(count <= 2 * LIMIT, `${count} entities parsed`);
});

Deno.test("a message of 9,000 parts keeps every one", () => {
  const root = parseMimeStructure(multipart(9_000));
  assert.equal(root.parts.length, 9_000);
  assert.ok(root.parts.every((part) => part.bodyEnd - part.bodyStart === 1), "each body is x");
});
