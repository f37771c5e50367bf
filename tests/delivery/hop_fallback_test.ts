/** Which deferred recipients the next MX address gets in the same attempt (hop_fallback.ts). */
import assert from "node:assert/strict";
import { isResultWorthNextTarget } from "../../src/delivery/hop_fallback.ts";

const deferred = (code: number, text: string, enhanced?: string) => ({
  isAccepted: false,
  isPermanent: false,
  reply: { code, lines: [text], ...(enhanced ? { enhanced } : {}) },
});

Deno.test("a RCPT's 552 goes to no other MX, whatever its words: it is RFC 821's 'too many recipients' (RFC 5321 4.5.3.1.10)", () => {
  // The same host takes such recipients in its next transaction; another MX is no help.
  assert.equal(isResultWorthNextTarget(deferred(552, "Recipient limit reached")), false);
  assert.equal(isResultWorthNextTarget(deferred(452, "Too many recipients")), false);
  assert.equal(isResultWorthNextTarget(deferred(452, "Limit", "4.5.3")), false);
});

Deno.test("another deferral goes to the next MX; a delivered or refused recipient does not", () => {
  assert.equal(isResultWorthNextTarget(deferred(451, "Try again later", "4.3.0")), true);
  assert.equal(
    isResultWorthNextTarget({ ...deferred(550, "No such user", "5.1.1"), isPermanent: true }),
    false,
  );
  assert.equal(isResultWorthNextTarget({ ...deferred(250, "ok"), isAccepted: true }), false);
});
