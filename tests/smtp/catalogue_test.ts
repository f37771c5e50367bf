/**
 * The reply catalogue against the RFCs: every refusal has a basic code the
 * command that throws it may return (RFC 5321 4.3.2 and the extensions'
 * own lists), and an enhanced status code of the same class that exists in
 * the registry (RFC 3463, RFC 5248).
 */
import assert from "node:assert/strict";
import { Refusal, type SmtpError } from "../../src/smtp/mod.ts";

/** RFC 5321 4.3.2: "any SMTP command can return" these besides its own list. */
const ANY_COMMAND = [500, 501, 421];

/** The codes each command may return (RFC 5321 4.3.2; AUTH: RFC 4954 4 and 6; BDAT: RFC 3030 2). */
const MAY_RETURN: Record<string, readonly number[]> = {
  MAIL: [250, 552, 451, 452, 550, 553, 503, 455, 555, 530 /* RFC 4954 6 */],
  RCPT: [250, 251, 550, 551, 552, 553, 450, 451, 452, 503, 455, 555],
  DATA: [354, 503, 554],
  "end of data": [250, 552, 554, 451, 452, 450, 550],
  // RFC 3030 2 names no list: a chunk's verdict is the end-of-data one, plus DATA's own refusals.
  BDAT: [250, 552, 554, 451, 452, 450, 550, 503],
  AUTH: [235, 334, 432, 454, 503, 504, 530, 534, 535, 538],
  // RFC 3207 4 (220, 501, 454); 502 is how 4.2.4 refuses a command not implemented here.
  STARTTLS: [220, 454, 502, 503],
};

/** RFC 3463 and the RFC 5248 registry: subject -> the details defined for it. */
const REGISTERED_DETAILS: Record<number, number> = {
  0: 0,
  1: 10,
  2: 4,
  3: 6,
  4: 7,
  5: 6,
  6: 10,
  7: 30,
};

const cases: { name: string; refusal: SmtpError; commands: string[] }[] = [
  { name: "a bad sequence is 503", refusal: Refusal.badSequence("x"), commands: ["MAIL", "RCPT"] },
  {
    name: "an unknown MAIL or RCPT parameter is 555",
    refusal: Refusal.unsupportedParameter("X"),
    commands: ["MAIL", "RCPT"],
  },
  {
    name: "a message over the size limit is 552",
    refusal: Refusal.messageTooBig(),
    commands: ["MAIL", "end of data", "BDAT"],
  },
  { name: "too many recipients is 452", refusal: Refusal.tooManyRecipients(), commands: ["RCPT"] },
  {
    name: "no valid recipients is 554",
    refusal: Refusal.noRecipients(),
    commands: ["DATA", "BDAT"],
  },
  { name: "an unknown local user is 550", refusal: Refusal.unknownUser(), commands: ["RCPT"] },
  {
    name: "refusing to relay is a RCPT code (550: rejected for policy reasons)",
    refusal: Refusal.relayDenied(),
    commands: ["RCPT"],
  },
  { name: "a bad sender is 553", refusal: Refusal.badSenderSyntax("x"), commands: ["MAIL"] },
  {
    name: "a bad recipient is 553",
    refusal: Refusal.badRecipientSyntax("x"),
    commands: ["RCPT"],
  },
  {
    name: "bare line ends in the message are a policy refusal",
    refusal: Refusal.bareLineEndingsInData(),
    commands: ["end of data", "BDAT"],
  },
  {
    name: "NUL in the message is a policy refusal",
    refusal: Refusal.nulInData(),
    commands: ["end of data", "BDAT"],
  },
  { name: "a mail loop is 554", refusal: Refusal.mailLoop(), commands: ["end of data", "BDAT"] },
  {
    name: "a UTF-8 address without SMTPUTF8 is 553",
    refusal: Refusal.utf8NeedsSmtputf8(),
    commands: ["MAIL", "RCPT"],
  },
  {
    name: "a full disk is 452",
    refusal: Refusal.storageFull("c"),
    commands: ["end of data", "BDAT"],
  },
  {
    name: "a local error is 451",
    refusal: Refusal.localError("c"),
    commands: ["MAIL", "RCPT", "end of data", "BDAT"],
  },
  {
    name: "MAIL before AUTH on submission is 530",
    refusal: Refusal.authRequired(),
    commands: ["MAIL"],
  },
  {
    name: "a sender the user does not own is 553",
    refusal: Refusal.senderNotOwned(),
    commands: ["MAIL"],
  },
  { name: "bad credentials are 535", refusal: Refusal.authFailed(), commands: ["AUTH"] },
  { name: "AUTH without TLS is 538", refusal: Refusal.authNeedsTls(), commands: ["AUTH"] },
  { name: "a cancelled AUTH is 501", refusal: Refusal.authCancelled(), commands: ["AUTH"] },
  { name: "an unknown mechanism is 504", refusal: Refusal.authBadMechanism(), commands: ["AUTH"] },
  { name: "bad base64 is 501", refusal: Refusal.authMalformed("x"), commands: ["AUTH"] },
  { name: "an overlong SASL line is 500", refusal: Refusal.authLineTooLong(), commands: ["AUTH"] },
  { name: "a second AUTH is 503", refusal: Refusal.alreadyAuthenticated(), commands: ["AUTH"] },
  {
    name: "the login brake is 454",
    refusal: Refusal.authTemporarilyBlocked(),
    commands: ["AUTH"],
  },
  { name: "TLS trouble is 454", refusal: Refusal.tlsNotAvailable(), commands: ["STARTTLS"] },
  { name: "no TLS configured is 502", refusal: Refusal.tlsNotConfigured(), commands: ["STARTTLS"] },
  { name: "TLS twice is 503", refusal: Refusal.tlsAlreadyActive(), commands: ["STARTTLS"] },
];

for (const { name, refusal, commands } of cases) {
  Deno.test(`catalogue: ${name} (${refusal.code} ${refusal.enhanced})`, () => {
    for (const command of commands) {
      const allowed = [...(MAY_RETURN[command] ?? []), ...ANY_COMMAND];
      assert.ok(
        allowed.includes(refusal.code),
        `${command} may not return ${refusal.code} (allowed: ${allowed.join(", ")})`,
      );
    }
    const [klass, subject, detail] = refusal.enhanced.split(".").map(Number) as [
      number,
      number,
      number,
    ];
    assert.equal(klass, Math.floor(refusal.code / 100), "enhanced class = basic class");
    const last = REGISTERED_DETAILS[subject];
    assert.ok(last !== undefined && detail <= last, `${refusal.enhanced} is registered`);
  });
}
