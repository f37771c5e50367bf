import assert from "node:assert/strict";
import { Pop3Error, uidlFor } from "../../src/pop3/mod.ts";
import { formatPop3Reply } from "../../src/pop3/reply.ts";

const decoder = new TextDecoder();
const wire = (chunks: (string | Uint8Array)[]) =>
  chunks.map((c) => typeof c === "string" ? c : decoder.decode(c)).join("");

Deno.test("formatPop3Reply() writes a single +OK line", () => {
  assert.equal(wire(formatPop3Reply({ text: "2 320" })), "+OK 2 320\r\n");
  assert.equal(wire(formatPop3Reply({ text: "" })), "+OK\r\n");
});

Deno.test("formatPop3Reply() ends a multi-line reply with a dot and stuffs lines starting with one", () => {
  assert.equal(
    wire(formatPop3Reply({ text: "list", lines: ["1 10", ".x"] })),
    "+OK list\r\n1 10\r\n..x\r\n.\r\n",
  );
});

Deno.test("formatPop3Reply() sends message bytes dot-stuffed after the status line", () => {
  const body = new TextEncoder().encode("A: b\r\n\r\n.\r\n");
  assert.equal(
    wire(formatPop3Reply({ text: "9 octets", body })),
    "+OK 9 octets\r\nA: b\r\n\r\n..\r\n.\r\n",
  );
});

Deno.test("Pop3Error renders its response code in brackets", () => {
  assert.equal(new Pop3Error("Busy", { code: "IN-USE" }).line, "-ERR [IN-USE] Busy");
  assert.equal(new Pop3Error("Unknown command").line, "-ERR Unknown command");
});

Deno.test("uidlFor() uses the Maildir base name when it fits RFC 1939's 70 printable characters", async () => {
  const base = "1700000000.M1P2Q3.mx.test,S=120";
  assert.equal(await uidlFor(base), base);
  const long = "1700000000.M123456P12345Q1." + "h".repeat(60) + ",S=1";
  // The SHA-1 of the name in hex (sha1sum's), the same in every version: clients keep their UIDLs.
  assert.equal(await uidlFor(long), "d39e3e9e7f75dd2ed6148574a62f2e4584b3b0e8");
});
