import assert from "node:assert/strict";
import { parseEhloLines } from "../../src/smtp_client/extensions.ts";

Deno.test("parseEhloLines() reads the keywords the client uses", () => {
  const ext = parseEhloLines([
    "mx.test greets you",
    "PIPELINING",
    "size 1000",
    "8BITMIME",
    "STARTTLS",
    "AUTH plain LOGIN",
    "X-UNKNOWN 1",
  ]);
  assert.equal(ext.hasPipelining, true);
  assert.equal(ext.maxSizeBytes, 1000);
  assert.equal(ext.has8bitMime, true);
  assert.equal(ext.hasStartTls, true);
  assert.equal(ext.hasSmtputf8, false);
  assert.deepEqual([...ext.authMechanisms].sort(), ["LOGIN", "PLAIN"]);
});

const SIZES: [string, number | null][] = [
  ["SIZE", 0],
  ["SIZE 0", 0],
  ["SIZE junk", 0],
  ["SIZE 52428800", 52428800],
];
for (const [line, expected] of SIZES) {
  Deno.test(`parseEhloLines() reads "${line}" as a limit of ${expected}`, () => {
    assert.equal(parseEhloLines(["host", line]).maxSizeBytes, expected);
  });
}

Deno.test("parseEhloLines() ignores the greeting line and offers nothing by default", () => {
  const ext = parseEhloLines(["PIPELINING"]);
  assert.equal(ext.hasPipelining, false);
  assert.equal(ext.maxSizeBytes, null);
});

const OLD_AUTH_SYNTAX: [string[], string[]][] = [
  [["AUTH=LOGIN"], ["LOGIN"]],
  [["AUTH=LOGIN PLAIN"], ["LOGIN", "PLAIN"]],
  [["AUTH LOGIN", "AUTH=LOGIN"], ["LOGIN"]],
  [["auth=plain"], ["PLAIN"]],
];
for (const [lines, expected] of OLD_AUTH_SYNTAX) {
  Deno.test(`parseEhloLines() reads the old "AUTH=" form in ${JSON.stringify(lines)}`, () => {
    assert.deepEqual([...parseEhloLines(["host", ...lines]).authMechanisms].sort(), expected);
  });
}
