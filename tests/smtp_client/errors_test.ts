/**
 * SmtpClientError.fromReply: a reply that ends an attempt, as a failure that
 * is permanent for 5yz and transient otherwise (RFC 5321 4.2.1), with a
 * status of the same class for the DSN (RFC 3463 2, RFC 3464 2.3.4). Found
 * by mutation testing of src/smtp_client/errors.ts: the 500 boundary and the
 * status of a reply without an enhanced code could be changed with every
 * client and courier test still passing.
 */
import assert from "node:assert/strict";
import { SmtpClientError } from "../../src/smtp_client/mod.ts";

const cases: {
  name: string;
  reply: { code: number; enhanced?: string; lines: string[] };
  isPermanent: boolean;
  status: string;
}[] = [
  {
    name: "a 500 (the lowest 5yz) is permanent",
    reply: { code: 500, lines: ["Syntax error, command unrecognized"] },
    isPermanent: true,
    status: "5.0.0",
  },
  {
    name: "a 554 without an enhanced code says 5.0.0, not a delay's 4.0.0",
    reply: { code: 554, lines: ["Transaction failed"] },
    isPermanent: true,
    status: "5.0.0",
  },
  {
    name: "a 451 without an enhanced code says 4.0.0",
    reply: { code: 451, lines: ["Local error"] },
    isPermanent: false,
    status: "4.0.0",
  },
  {
    name: "an enhanced code is the status",
    reply: { code: 550, enhanced: "5.7.1", lines: ["Relaying denied"] },
    isPermanent: true,
    status: "5.7.1",
  },
];

for (const { name, reply, isPermanent, status } of cases) {
  Deno.test(`SmtpClientError.fromReply: ${name}`, () => {
    const error = SmtpClientError.fromReply("DATA", reply);
    assert.deepEqual(
      { kind: error.kind, isPermanent: error.isPermanent, status: error.status },
      { kind: "reply", isPermanent, status },
    );
    assert.match(error.message, new RegExp(`^${reply.code} .*\\(in reply to DATA\\)$`));
  });
}
