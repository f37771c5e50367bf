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

Deno.test("parts nested inside each of 10,000 parts count toward the same 10,000", () => {
  // Each top-level part is a chain of embedded messages: 6 MB, some 200,000 entities
  // and a 20 MB BODYSTRUCTURE when only the parts of one multipart were counted.
  const chain = "Content-Type: message/rfc822\r\n\r\n".repeat(19) + "x\r\n";
  const message =
    "Subject: chains\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
    `--b\r\n${chain}`.repeat(10_000) + "--b--\r\n";
  const root = parseMimeStructure(message);
  const count = entities(root);
  assert.ok(count <= LIMIT + 100, `${count} entities parsed`);
  const structure = formatBodyStructure(message, root, true);
  assert.ok(structure.length < 200 * LIMIT, `BODYSTRUCTURE of ${structure.length} bytes`);
  // The first chains are whole; the part where the count ran out holds the rest of the body.
  assert.equal(root.parts[0]!.message!.message!.type, "message");
  assert.equal(root.parts.at(-1)!.bodyEnd, message.length);
});

Deno.test("multiparts nested in each part stop at the same 10,000", () => {
  // Two levels of 2,000 parts each: split with what was left when each multipart began,
  // the inner ones made 13,990 entities.
  const inner = "Content-Type: multipart/mixed; boundary=c\r\n\r\n" +
    "--c\r\n\r\n".repeat(2_000) + "--c--\r\n";
  const message =
    "Subject: nested\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
    `--b\r\n${inner}`.repeat(2_000) + "--b--\r\n";
  const count = entities(parseMimeStructure(message));
  assert.ok(count <= LIMIT + 100, `${count} entities parsed`);
});
