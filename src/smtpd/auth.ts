/**
 * AUTH (RFC 4954) with PLAIN (RFC 4616) and LOGIN: a row of the command
 * table and its EHLO keyword. Decoding is the shared SASL code in `auth/`;
 * this file owns the SMTP wire (`334` challenges, reply codes) and the
 * brute-force brake (`LoginLimiter`, shared with POP3 and IMAP).
 *
 * Secrets never reach a log: continuation lines are not logged at all, and a
 * failure logs only the address, the user name and the mechanism.
 */
import {
  decodeBase64Text,
  decodePlainResponse,
  encodeBase64Text,
  formatAuthFailureFields,
  isSaslCancel,
  MAX_SASL_LINE_OCTETS,
  normalizeAddress,
} from "../auth/mod.ts";
import { Refusal, type Reply, reply } from "../smtp/mod.ts";
import type { CommandSpec } from "./commands.ts";
import type { SmtpSession } from "./session.ts";

const MECHANISMS = ["PLAIN", "LOGIN"] as const;
type Mechanism = typeof MECHANISMS[number];
const USERNAME_CHALLENGE = encodeBase64Text("Username:");
const PASSWORD_CHALLENGE = encodeBase64Text("Password:");

/** Whether AUTH may be used on this connection: over TLS, or with --insecure-auth. */
function isAuthUsable(session: SmtpSession): boolean {
  return session.connection.tls !== null || session.options.isInsecureAuthAllowed === true;
}

/** "AUTH PLAIN LOGIN" while AUTH can be used and the client has not authenticated yet. */
export function authEhloKeywords(session: SmtpSession): string[] {
  return isAuthUsable(session) && session.authUser === null ? [`AUTH ${MECHANISMS.join(" ")}`] : [];
}

/** Sends `334 <challenge>` and reads the client's answer line. */
async function readResponse(session: SmtpSession, challenge: string): Promise<string> {
  // Written by hand: formatReply trims the trailing space of an empty "334 ".
  session.connection.write(`334 ${challenge}\r\n`);
  const read = await session.connection.readLine(MAX_SASL_LINE_OCTETS + 2);
  switch (read.kind) {
    case "line":
      if (isSaslCancel(read.text)) throw Refusal.authCancelled();
      return read.text.trim();
    case "too-long":
      throw Refusal.authLineTooLong();
    case "timeout":
      throw session.timeoutRefusal();
    case "eof":
      session.closeAfterReply();
      throw Refusal.authCancelled();
  }
}

function decodeStep(text: string): string {
  const value = decodeBase64Text(text);
  if (value === null) throw Refusal.authMalformed("invalid base64");
  return value;
}

/** Runs the exchange for `mechanism`; throws the refusal for a cancel or junk. */
async function readCredentials(
  session: SmtpSession,
  mechanism: Mechanism,
  initial: string | undefined,
): Promise<{ user: string; password: string }> {
  if (mechanism === "PLAIN") {
    const response = initial ?? await readResponse(session, "");
    if (isSaslCancel(response)) throw Refusal.authCancelled();
    const decoded = decodePlainResponse(response);
    if ("error" in decoded) throw Refusal.authMalformed(decoded.error);
    return decoded;
  }
  const userText = initial ?? await readResponse(session, USERNAME_CHALLENGE);
  if (isSaslCancel(userText)) throw Refusal.authCancelled();
  const user = decodeStep(userText);
  const password = decodeStep(await readResponse(session, PASSWORD_CHALLENGE));
  if (user === "" || password === "") throw Refusal.authMalformed("empty user or password");
  return { user, password };
}

/** Splits "PLAIN [initial-response]". */
function parseAuthArgument(arg: string): { mechanism: Mechanism; initial?: string } {
  const words = arg.split(" ").filter((word) => word !== "");
  const [name, initial, ...rest] = words;
  if (name === undefined || rest.length > 0) {
    throw Refusal.syntax("AUTH mechanism [initial-response]");
  }
  const mechanism = MECHANISMS.find((m) => m === name.toUpperCase());
  if (!mechanism) throw Refusal.authBadMechanism();
  return { mechanism, initial };
}

async function handleAuth(session: SmtpSession, arg: string): Promise<Reply> {
  if (session.authUser !== null) throw Refusal.alreadyAuthenticated();
  if (session.stage === "fresh") throw Refusal.badSequence("Send EHLO first");
  if (!isAuthUsable(session)) throw Refusal.authNeedsTls();
  const { mechanism, initial } = parseAuthArgument(arg);
  const ip = session.connection.remoteAddress;
  const limiter = session.options.loginLimiter;
  if (limiter && !limiter.check(ip).allowed) {
    session.log.info("auth.refused", { ip, proto: "smtp", reason: "too-many-failures" });
    throw Refusal.authTemporarilyBlocked();
  }
  const { user, password } = await readCredentials(session, mechanism, initial);
  // Checks under way on other connections count too: refused now if they would block.
  if (limiter && !limiter.begin(ip, user).allowed) {
    session.log.info("auth.refused", { ip, proto: "smtp", reason: "too-many-failures" });
    throw Refusal.authTemporarilyBlocked();
  }
  let grant: string | null;
  try {
    grant = await session.options.directory.verifyLoginGrant(user, password);
  } catch (error) {
    limiter?.cancel(ip, user);
    throw error;
  }
  if (grant !== null) {
    limiter?.recordSuccess(ip, user);
    session.authUser = normalizeAddress(user);
    session.authGrant = grant;
    session.log.info("auth.ok", { user: session.authUser, mech: mechanism, proto: "smtp" });
    return reply(235, "2.7.0", "Authentication successful");
  }
  limiter?.recordFailure(ip, user);
  const next = limiter?.check(ip, user) ?? { allowed: true, delayMs: 0 };
  const { event, ...fields } = formatAuthFailureFields(ip, user, "smtp");
  session.options.log.warn(event, {
    ...fields,
    mech: mechanism,
    delay_ms: next.allowed ? next.delayMs : 0,
    blocked: !next.allowed,
    cid: session.cid,
  });
  if (!next.allowed) throw Refusal.authTemporarilyBlocked();
  // The brake: a guesser waits before learning the answer.
  if (next.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, next.delayMs));
  throw Refusal.authFailed();
}

/** The AUTH row: after EHLO, outside a mail transaction. */
export const AUTH_COMMAND: CommandSpec = {
  allowedIn: ["fresh", "greeted"],
  handle: handleAuth,
  outOfSequence: () => Refusal.badSequence("AUTH not allowed during a mail transaction"),
};
