/**
 * AUTHORIZATION state: USER/PASS (RFC 1939 7) and AUTH PLAIN (RFC 5034),
 * both ending in `login`: the shared brute-force limiter, the password
 * check, then the mailbox lease (one POP3 session per mailbox: IN-USE).
 */
import { decodePlainResponse, formatAuthFailureFields, isSaslCancel } from "../auth/mod.ts";
import { normalizeAddress } from "../auth/mod.ts";
import { Pop3Error } from "./pop3_error.ts";
import { ok, type Pop3Reply } from "./reply.ts";
import type { Pop3Session } from "./session.ts";
import { WIRE_SIZES } from "./wire_size.ts";

/** The SASL mechanisms offered (CAPA "SASL", bare AUTH). */
export const SASL_MECHANISMS = ["PLAIN"] as const;

function refuseCleartext(session: Pop3Session): void {
  if (session.mayLogin) return;
  const hint = session.mayStartTls ? ": use STLS first" : ": connect with TLS";
  throw new Pop3Error(`Login without TLS is not allowed${hint}`, { code: "SYS/PERM" });
}

/** USER name: remembered for PASS; says nothing about whether the account exists. */
export function handleUser(session: Pop3Session, arg: string): Pop3Reply {
  refuseCleartext(session);
  const user = arg.trim();
  if (user === "" || user.includes(" ")) throw new Pop3Error("USER needs one name");
  session.pendingUser = user;
  return ok("Send PASS");
}

/** PASS password (the rest of the line: passwords may contain spaces). */
export async function handlePass(session: Pop3Session, arg: string): Promise<Pop3Reply> {
  refuseCleartext(session);
  const user = session.pendingUser;
  session.pendingUser = null;
  if (user === null) throw new Pop3Error("Send USER first");
  return await login(session, { user, password: arg, method: "user" });
}

/** AUTH [mechanism [initial-response]]; bare AUTH lists the mechanisms (RFC 1734 style). */
export async function handleAuth(session: Pop3Session, arg: string): Promise<Pop3Reply> {
  refuseCleartext(session);
  const [mechanism = "", initial, ...rest] = arg.trim().split(/ +/);
  if (mechanism === "") return ok("Mechanisms follow", { lines: [...SASL_MECHANISMS] });
  if (mechanism.toUpperCase() !== "PLAIN" || rest.length > 0) {
    throw new Pop3Error("Unsupported authentication mechanism");
  }
  session.pendingUser = null;
  let response = initial;
  if (response === undefined) {
    session.sendContinuation("");
    const line = await session.readAuthLine();
    if (line === null) throw new Pop3Error("Authentication aborted", { closeAfter: true });
    response = line.trim();
  }
  if (isSaslCancel(response)) throw new Pop3Error("Authentication cancelled");
  const credentials = decodePlainResponse(response);
  if ("error" in credentials) {
    const { limiter } = session.options;
    const ip = session.connection.remoteAddress;
    if (limiter.begin(ip).allowed) limiter.recordFailure(ip);
    logFailure(session, "?", "plain", credentials.error);
    throw new Pop3Error(`Invalid PLAIN response: ${credentials.error}`, { code: "AUTH" });
  }
  return await login(session, { ...credentials, method: "plain" });
}

function logFailure(session: Pop3Session, user: string, method: string, reason: string): void {
  const { event, ...fields } = formatAuthFailureFields(
    session.connection.remoteAddress,
    user,
    session.options.kind,
  );
  // Not session.log: its cid would stand between event and ip, where fail2ban's
  // failregex (README) expects "event=auth.failed ip=".
  session.options.log.warn(event, { ...fields, method, reason, cid: session.cid });
}

/** Checks the limiter and the password, then takes the mailbox. */
async function login(
  session: Pop3Session,
  attempt: { user: string; password: string; method: string },
): Promise<Pop3Reply> {
  const { limiter, directory, mailboxes } = session.options;
  const ip = session.connection.remoteAddress;
  const check = limiter.begin(ip, attempt.user);
  if (!check.allowed) {
    logFailure(session, attempt.user, attempt.method, "blocked");
    throw new Pop3Error("Too many failed logins from your address; try again later", {
      code: "SYS/TEMP",
    });
  }
  let grant: string | null;
  try {
    if (check.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, check.delayMs));
    grant = await directory.verifyLoginGrant(attempt.user, attempt.password);
  } catch (error) {
    limiter.cancel(ip, attempt.user);
    throw error;
  }
  if (grant === null) {
    limiter.recordFailure(ip, attempt.user);
    logFailure(session, attempt.user, attempt.method, "bad-credentials");
    throw new Pop3Error("Invalid user name or password", { code: "AUTH" });
  }
  limiter.recordSuccess(ip, attempt.user);
  const account = normalizeAddress(attempt.user);
  const mailbox = await mailboxes.openMailbox(account);
  const releaseLease = mailbox.tryLease();
  if (releaseLease === null) {
    mailbox.release();
    session.log.info("pop3.in_use", { user: account });
    throw new Pop3Error("Mailbox is in use by another POP3 session", {
      code: "IN-USE",
      isClientFault: false,
    });
  }
  try {
    const messages = [...(await mailbox.refresh())];
    const sizes = await WIRE_SIZES.sizesOf(account, messages, {
      fileEnds: (uids) => mailbox.fileEnds(uids),
      readPieces: (m, visit) => mailbox.readMessagePieces(m.uid, visit),
    });
    session.maildrop = {
      account,
      grant,
      mailbox,
      releaseLease,
      messages,
      sizes,
      deleted: new Set(),
      uidls: null,
    };
  } catch (error) {
    releaseLease();
    mailbox.release();
    throw error;
  }
  const octets = session.maildrop.sizes.reduce((sum, size) => sum + size, 0);
  session.log.info("pop3.login", {
    user: account,
    method: attempt.method,
    tls: session.connection.tls !== null,
    messages: session.maildrop.messages.length,
  });
  return ok(`Logged in: ${session.maildrop.messages.length} messages (${octets} octets)`);
}

/**
 * A login stands only while its account and password do: once `pillarbox
 * user del` or `user passwd` has returned, the next command of a session
 * logged in before gets `-ERR [AUTH]` (RFC 3206 5: a problem with the
 * user's credentials) and the session ends. Not by QUIT, so without the
 * UPDATE state: its DELE marks are dropped (RFC 1939 6).
 */
export async function refuseRevokedLogin(session: Pop3Session): Promise<void> {
  const maildrop = session.maildrop;
  if (maildrop === null) return;
  const standing = await session.options.directory.loginStanding(maildrop.account, maildrop.grant);
  if (standing === "current") return;
  const reason = standing === "removed" ? "account-removed" : "password-changed";
  session.log.warn("pop3.auth_revoked", { user: maildrop.account, reason });
  const text = standing === "removed"
    ? "Account removed, closing connection"
    : "Password changed, closing connection; log in again";
  throw new Pop3Error(text, { code: "AUTH", closeAfter: true, isClientFault: false });
}
