/** breakLongLines: a line over 998 octets broken where its readers still understand it. */
import assert from "node:assert/strict";
import { breakLongLines } from "../../src/mail/long_lines.ts";
import { prepareLocalMessage } from "../../src/mail/local_message.ts";

const encoder = new TextEncoder();
const latin1 = new TextDecoder("latin1");

// A script's `",".join(addresses)` writes a To field with no white space at all: a cut at
// 998 octets put a space inside an address ("user49@exa mple.test") and `sendmail -t`
// refused the whole message (exit 64). A comma ends a list element, where CFWS may stand
// (RFC 5322 3.4 address-list): the field folds after it and reads as the same addresses.
for (const pad of [1, 2, 5, 8]) {
  Deno.test(`sendmail -t reads every address of a long To field written without spaces (${pad})`, () => {
    const addresses = [
      `${"a".repeat(pad)}@example.test`,
      ...Array.from({ length: 80 }, (_, i) => `user${i}@example.test`),
    ];
    const result = prepareLocalMessage(
      encoder.encode(`From: me@example.test\nTo: ${addresses.join(",")}\n\nbody\n`),
      {
        isExtractingRecipients: true,
        defaultDomain: "example.test",
        hostname: "mx.test",
        nowMs: 0,
        maxMessageBytes: 100_000,
      },
    );
    assert.ok(!("error" in result), JSON.stringify(result));
    assert.deepEqual(result.rcpts, addresses);
    const text = latin1.decode(result.message);
    assert.ok(text.split("\r\n").every((line) => line.length <= 998));
  });
}

Deno.test("breakLongLines() folds a header line after a comma when it has no white space", () => {
  const value = Array.from({ length: 100 }, (_, i) => `user${i}@example.test`).join(",");
  const out = breakLongLines(`To: ${value}\r\n\r\nx\r\n`);
  const lines = out.split("\r\n");
  assert.ok(lines.every((line) => line.length <= 998));
  // Folded after "To:", then each piece but the last ends with a comma: no address is cut.
  const field = out.slice(0, out.indexOf("\r\n\r\n")).split("\r\n ");
  assert.equal(field[0], "To:");
  assert.ok(field.length > 2);
  assert.ok(field.slice(1, -1).every((piece) => piece.endsWith(",")), JSON.stringify(field));
  assert.equal(`${field[0]} ${field.slice(1).join("")}`, `To: ${value}`);
});

Deno.test("breakLongLines() still cuts a body line at 998 octets, commas or not", () => {
  const line = "a,".repeat(800);
  const out = breakLongLines(`Subject: x\r\n\r\n${line}\r\n`);
  const body = out.slice(out.indexOf("\r\n\r\n") + 4);
  assert.equal(body.split("\r\n")[0]!.length, 998);
  assert.equal(body.replaceAll("\r\n ", ""), `${line}\r\n`);
});
