/**
 * The command table: verb -> stages it is allowed in -> handler. Adding a
 * command means adding a row; no switch statements elsewhere.
 */
import { Refusal, type Reply, reply, SmtpError } from "../smtp/mod.ts";
import { handleBdat, handleData } from "./data.ts";
import { AUTH_COMMAND } from "./auth.ts";
import { handleMail, handleRcpt } from "./mail_rcpt.ts";
import { STARTTLS_COMMAND } from "./starttls.ts";
import type { SmtpSession } from "./session.ts";

/** fresh: before HELO/EHLO; greeted: no transaction; mail: after MAIL; rcpt: after a good RCPT. */
export type SessionStage = "fresh" | "greeted" | "mail" | "rcpt";

/** One row of the command table. */
export interface CommandSpec {
  allowedIn: readonly SessionStage[];
  handle: (session: SmtpSession, arg: string) => Reply | Promise<Reply>;
  /** The refusal for a command in the wrong stage. */
  outOfSequence: (session: SmtpSession) => SmtpError;
}

const ANY: readonly SessionStage[] = ["fresh", "greeted", "mail", "rcpt"];

function sequenceError(session: SmtpSession): SmtpError {
  switch (session.stage) {
    case "fresh":
      return Refusal.badSequence("Send HELO or EHLO first");
    case "greeted":
      return Refusal.badSequence("Send MAIL first");
    case "mail":
      return Refusal.badSequence("Send RCPT first");
    case "rcpt":
      return Refusal.badSequence("Nested MAIL command");
  }
}

const ok = () => reply(250, "2.0.0", "Ok");
// RFC 5321 4.1.1: RSET, DATA and QUIT take no parameters; servers SHOULD refuse them as syntax.

/** Extension keywords advertised after EHLO, in order. */
export function ehloKeywords(session: SmtpSession): string[] {
  const keywords = [
    "PIPELINING",
    `SIZE ${session.options.maxMessageBytes}`,
    "8BITMIME",
    "ENHANCEDSTATUSCODES",
    "SMTPUTF8",
    "CHUNKING",
    // RFC 3461: NOTIFY, ORCPT, RET and ENVID are taken on every listener.
    "DSN",
  ];
  for (const extra of session.options.extraEhloKeywords?.(session) ?? []) keywords.push(extra);
  keywords.push("HELP");
  return keywords;
}

function validateHelo(arg: string): string {
  const value = arg.trim();
  if (value === "" || value.includes(" ")) {
    throw Refusal.syntax("HELO/EHLO needs one domain or address literal");
  }
  if (value.length > 255) throw Refusal.syntax("HELO/EHLO argument too long");
  return value;
}

async function handleHelo(session: SmtpSession, arg: string, isEsmtp: boolean): Promise<Reply> {
  session.helo = validateHelo(arg);
  session.isEsmtp = isEsmtp;
  await session.transaction?.discardChunks();
  session.transaction = null;
  // Reply text is printable ASCII (RFC 5321 4.2): a client's control characters are not echoed.
  const shown = session.helo.replace(/[^\x21-\x7e]/gu, "?");
  const greeting =
    `${session.options.hostname} Hello ${shown} [${session.connection.remoteAddress}]`;
  if (!isEsmtp) return { code: 250, lines: [greeting] };
  return { code: 250, lines: [greeting, ...ehloKeywords(session)] };
}

/** The command table; the STARTTLS and AUTH rows come from their own modules. */
export const COMMANDS = new Map<string, CommandSpec>([
  ["EHLO", {
    allowedIn: ANY,
    handle: (s, a) => handleHelo(s, a, true),
    outOfSequence: sequenceError,
  }],
  ["HELO", {
    allowedIn: ANY,
    handle: (s, a) => handleHelo(s, a, false),
    outOfSequence: sequenceError,
  }],
  ["STARTTLS", STARTTLS_COMMAND],
  ["AUTH", AUTH_COMMAND],
  ["MAIL", { allowedIn: ["greeted"], handle: handleMail, outOfSequence: sequenceError }],
  ["RCPT", { allowedIn: ["mail", "rcpt"], handle: handleRcpt, outOfSequence: sequenceError }],
  ["DATA", {
    allowedIn: ["rcpt"],
    handle: (s, a) => handleData(s, a),
    // RFC 2920 3.1: 554 when every RCPT was refused; 503 when none was sent at all.
    outOfSequence: (s) =>
      s.stage === "mail" && s.transaction?.hasRcptAttempt
        ? Refusal.noRecipients()
        : sequenceError(s),
  }],
  ["BDAT", { allowedIn: ANY, handle: handleBdat, outOfSequence: sequenceError }],
  ["RSET", {
    allowedIn: ANY,
    handle: async (s, arg) => {
      if (arg !== "") throw Refusal.syntax("RSET takes no argument");
      await s.transaction?.discardChunks();
      s.transaction = null;
      return ok();
    },
    outOfSequence: sequenceError,
  }],
  ["NOOP", { allowedIn: ANY, handle: ok, outOfSequence: sequenceError }],
  ["QUIT", {
    allowedIn: ANY,
    handle: (s, arg) => {
      if (arg !== "") throw Refusal.syntax("QUIT takes no argument");
      return reply(221, "2.0.0", `${s.options.hostname} closing connection`, { closeAfter: true });
    },
    outOfSequence: sequenceError,
  }],
  ["VRFY", {
    allowedIn: ANY,
    handle: (_s, arg) => {
      // RFC 5321 4.1.1.6: "VRFY" SP String; without one there is nothing to answer about.
      if (arg === "") throw Refusal.syntax("VRFY needs a user name or address");
      return reply(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");
    },
    outOfSequence: sequenceError,
  }],
  ["EXPN", {
    allowedIn: ANY,
    handle: () => {
      throw new SmtpError(502, "5.5.1", "EXPN not available");
    },
    outOfSequence: sequenceError,
  }],
  ["HELP", {
    allowedIn: ANY,
    handle: () =>
      reply(
        214,
        "2.0.0",
        "Commands: EHLO HELO STARTTLS AUTH MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP\n" +
          "See RFC 5321",
      ),
    outOfSequence: sequenceError,
  }],
]);
