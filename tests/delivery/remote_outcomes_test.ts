/**
 * How the SMTP side's failures become delivery outcomes, case by case: which
 * ones retry, which ones bounce, which ones may be sent again at once.
 * Found by mutation testing of src/delivery/remote_outcomes.ts: these
 * branches could be changed with every remote courier test still passing.
 */
import assert from "node:assert/strict";
import {
  failureOutcome,
  isStaleConnection,
  isTooManyRecipients,
} from "../../src/delivery/remote_outcomes.ts";
import { FINAL_DOT_STAGE, SmtpClientError } from "../../src/smtp_client/mod.ts";

Deno.test("failureOutcome(): an error the SMTP client did not classify defers the mail, never bounces it", () => {
  // Only a 5xx from the server is final (RFC 5321 4.2.1); anything else waits for a retry
  // (RFC 5321 4.5.4.1), and a DSN for it says 4.x.x (RFC 3464 2.3.4).
  assert.deepEqual(failureOutcome(new Error("Bad resource ID"), "mx.far.test [192.0.2.1]"), {
    kind: "transient",
    reason: "Delivery failed: Bad resource ID",
    status: "4.0.0",
    remoteMta: "mx.far.test [192.0.2.1]",
  });
});

Deno.test("isTooManyRecipients(): a 4.5.3 deferral counts whatever the reply's text says", () => {
  // RFC 3463 3.6: X.5.3 is "too many recipients"; the text is free (RFC 5321 4.2).
  assert.equal(
    isTooManyRecipients({
      kind: "transient",
      reason: "452 4.5.3 Recipient limit reached for this transaction",
      status: "4.5.3",
    }),
    true,
  );
});

const STALE_CASES: { name: string; error: SmtpClientError; expected: boolean }[] = [
  {
    name: "a 421 to MAIL (the server is done with the connection, nothing was taken)",
    error: SmtpClientError.fromReply("MAIL", { code: 421, lines: ["closing"] }),
    expected: true,
  },
  {
    name: "another 4xx to MAIL (OpenSMTPD's limit of messages a session, the session kept open)",
    error: SmtpClientError.fromReply("MAIL", {
      code: 452,
      enhanced: "4.5.3",
      lines: ["4.5.3 Too many recipients: Too many messages sent"],
    }),
    expected: true,
  },
  {
    name: "the lowest 4xx to MAIL, 400, is still a transient one",
    error: SmtpClientError.fromReply("MAIL", { code: 400, lines: ["try later"] }),
    expected: true,
  },
  {
    name: "a 500 to MAIL, the lowest 5xx, is not",
    error: SmtpClientError.fromReply("MAIL", { code: 500, lines: ["5.5.2 syntax error"] }),
    expected: false,
  },
  {
    name: "a 5xx to MAIL is not: the server refused the message, not the connection",
    error: SmtpClientError.fromReply("MAIL", { code: 550, lines: ["5.7.1 no"] }),
    expected: false,
  },
  {
    name: "a 421 to a RCPT is not: the server ended a transaction it had begun (RFC 5321 3.8)",
    error: SmtpClientError.fromReply("RCPT <b@far.test>", { code: 421, lines: ["closing"] }),
    expected: false,
  },
  {
    name: "a hang-up before the final dot",
    error: new SmtpClientError("dropped", "MAIL: closed", { status: "4.4.2", stage: "MAIL" }),
    expected: true,
  },
  {
    name: "a hang-up after the final dot is not (the message may have been taken, RFC 5321 6.1)",
    error: new SmtpClientError("dropped", "closed", { status: "4.4.2", stage: FINAL_DOT_STAGE }),
    expected: false,
  },
];

for (const { name, error, expected } of STALE_CASES) {
  Deno.test(`isStaleConnection(): ${name}`, () => {
    assert.equal(isStaleConnection(error), expected);
  });
}
