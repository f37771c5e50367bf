/** prepareLocalMessage's refusals and limits: usage and data errors, mail loops, sizes. */
import assert from "node:assert/strict";
import type { LocalMessageOptions } from "../../src/mail/local_message.ts";
import { ok, prepare } from "./local_message_fixture.ts";

const REFUSED: [string, string, Partial<LocalMessageOptions>, "usage" | "data"][] = [
  ["no recipients at all", "From: a@example.test\nSubject: x\n\nx\n", {}, "usage"],
  ["an unparseable To header", 'From: a@example.test\nTo: "oops\n\nx\n', {}, "usage"],
  ["no sender anywhere", "To: b@example.test\n\nx\n", {}, "usage"],
  ["a NUL byte", "From: a@example.test\nTo: b@example.test\n\nx\0y\n", {}, "data"],
  ["a message over the size limit", "From: a@example.test\nTo: b@example.test\n\nxxxx\n", {
    maxMessageBytes: 20,
  }, "data"],
  ["a bad command-line recipient", "From: a@example.test\n\nx\n", {
    rcpts: ["b@@x"],
    isExtractingRecipients: false,
  }, "usage"],
];
for (const [what, text, options, kind] of REFUSED) {
  Deno.test(`prepareLocalMessage() refuses ${what}`, () => {
    const result = prepare(text, options);
    assert.ok("error" in result, "expected a refusal");
    assert.equal(result.kind, kind, result.error);
  });
}

const LOOPS: [string, number, boolean][] = [
  ["prepareLocalMessage() accepts a message with 100 Received headers", 100, true],
  ["prepareLocalMessage() refuses a message with 101 Received headers as a mail loop", 101, false],
];
for (const [name, count, isAccepted] of LOOPS) {
  Deno.test(name, () => {
    const trace = "Received: from a by b; Wed, 6 May 2026 07:08:09 +0000\n".repeat(count);
    const result = prepare(`${trace}From: alice@example.test\nTo: bob@remote.test\n\nhi\n`);
    if (isAccepted) ok(result);
    else {
      assert.deepEqual(result, {
        error: `Too many Received headers (${count}): mail loop`,
        kind: "data",
      });
    }
  });
}

Deno.test("prepareLocalMessage() takes a message of maxMessageBytes and refuses one octet more", () => {
  const head = "To: a@example.test\r\nFrom: b@example.test\r\n\r\n";
  const fill = (length: number) => head + "x".repeat(length - head.length - 2) + "\r\n";
  ok(prepare(fill(10_000)));
  const result = prepare(fill(10_001));
  assert.ok("error" in result && result.kind === "data", JSON.stringify(result));
});

Deno.test("prepareLocalMessage() needs SMTPUTF8 for a UTF-8 sender even with ASCII recipients", () => {
  const result = ok(prepare("To: a@example.test\r\n\r\nhi\r\n", { sender: "jörg@example.test" }));
  assert.equal(result.isSmtputf8, true);
});

Deno.test("prepareLocalMessage() leaves a To line unqualified when the domain would make it over 998 octets", () => {
  // RFC 5322 2.1.1: the added "@example.test" would take this 988-octet line to 1,001.
  const line = "To:      " + "a@example.test, ".repeat(61) + "bob";
  assert.equal(line.length, 988);
  const result = ok(prepare(`${line}\r\nFrom: c@example.test\r\n\r\nhi\r\n`));
  assert.ok(result.text.includes(`${line}\r\n`), "the line as written");
  assert.ok(result.rcpts.includes("bob@example.test"));
});
