/** Any-state and login commands: CAPABILITY, NOOP, LOGOUT, ID, ENABLE, STARTTLS, LOGIN, AUTHENTICATE. */
import {
  decodePlainResponse,
  formatAuthFailureFields,
  isForeignAuthzid,
  isSaslCancel,
  MAX_SASL_LINE_OCTETS,
  normalizeAddress,
} from "../../auth/mod.ts";
import { bad, ImapError, no } from "../errors.ts";
import type { CommandCursor } from "../parser.ts";
import type { ImapSession } from "../session.ts";
import { nstring } from "../wire_format.ts";
import { prepareAccount } from "../account_setup.ts";
import { adoptOldFolderSpellings } from "../inbox_children.ts";
import { isStorageFull } from "../../spool/mod.ts";
import { ANY_STATE, type Done, type ImapCommand } from "./types.ts";

const PRE_AUTH = ["not-authenticated"] as const;

async function capability(session: ImapSession, cursor: CommandCursor): Promise<Done> {
  cursor.end();
  session.send(`* CAPABILITY ${session.capabilities().join(" ")}\r\n`);
  return await Promise.resolve({});
}

async function noop(session: ImapSession, cursor: CommandCursor): Promise<Done> {
  cursor.end();
  await session.selected?.mailbox.refresh();
  return {};
}

async function logout(session: ImapSession, cursor: CommandCursor): Promise<Done> {
  cursor.end();
  session.send("* BYE Logging out\r\n");
  session.logout();
  return await Promise.resolve({});
}

async function id(session: ImapSession, cursor: CommandCursor): Promise<Done> {
  if (cursor.peek() === "(") {
    // RFC 2971 4: "(" field SP value ... ")": a field is a string, its value a string or NIL.
    let count = 0;
    cursor.list((c) => count++ % 2 === 0 ? c.stringBytes() : idValue(c));
    if (count % 2 !== 0) throw bad("ID parameters come in field and value pairs");
  } else if (cursor.atom().toUpperCase() !== "NIL") throw bad("Expected a list or NIL");
  cursor.end();
  session.send(`* ID (${nstring("name")} ${nstring("Pillarbox")})\r\n`);
  return await Promise.resolve({});
}

/** An nstring: a quoted string or a literal (`peek` is "" at one), or NIL; no other atom. */
function idValue(cursor: CommandCursor): Uint8Array | null {
  if (cursor.peek() === '"' || cursor.peek() === "") return cursor.stringBytes();
  if (cursor.atom().toUpperCase() !== "NIL") throw bad("Expected a string or NIL");
  return null;
}

async function enable(session: ImapSession, cursor: CommandCursor): Promise<Done> {
  cursor.atom();
  while (cursor.accept(" ")) cursor.atom();
  cursor.end();
  // No ENABLE-able extension is supported: the list of enabled ones is empty.
  session.send("* ENABLED\r\n");
  return await Promise.resolve({});
}

async function starttls(session: ImapSession, cursor: CommandCursor, tag: string): Promise<Done> {
  cursor.end();
  if (session.options.tls === null) throw bad("TLS is not available");
  if (session.isTls) throw bad("TLS is already active");
  session.send(`${tag} OK Begin TLS negotiation now\r\n`);
  const isUp = await session.connection.startServerTls(session.options.tls.context);
  if (!isUp) {
    // As smtp.tls_failed and pop3.tls_failed: why a client cannot get in (say, TLS 1.0 only).
    session.log.info("imap.tls_failed", {
      ip: session.connection.remoteAddress,
      reason: session.connection.tlsFailure ?? "unknown",
    });
    session.logout();
    throw new ImapError("BYE", "TLS negotiation failed");
  }
  session.log.info("imap.starttls", { protocol: session.connection.tls?.protocol });
  return { isAnswered: true };
}

async function login(session: ImapSession, cursor: CommandCursor): Promise<Done> {
  const user = cursor.astring();
  cursor.sp();
  const password = cursor.astring();
  cursor.end();
  if (!session.mayAuthenticate) throw no("Use STARTTLS first", "PRIVACYREQUIRED");
  return await completeLogin(session, user, password);
}

async function authenticate(session: ImapSession, cursor: CommandCursor): Promise<Done> {
  const mechanism = cursor.atom().toUpperCase();
  let initial: string | null = null;
  if (cursor.accept(" ")) initial = cursor.atom("=");
  cursor.end();
  // Before TLS no mechanism would do: say so first, or a client trying one we lack (Roundcube
  // tries LOGIN when it sees LOGINDISABLED) points its administrator at the wrong setting.
  if (!session.mayAuthenticate) throw no("Use STARTTLS first", "PRIVACYREQUIRED");
  if (mechanism !== "PLAIN") throw no(`Mechanism "${mechanism.slice(0, 20)}" not supported`);
  let response = initial ?? "";
  if (initial === null) {
    session.send("+ \r\n");
    const read = await session.connection.readLine(MAX_SASL_LINE_OCTETS + 2);
    if (read.kind === "eof" || read.kind === "timeout") {
      session.logout();
      const text = read.kind === "eof"
        ? "Connection ended during authentication"
        : session.timeoutText();
      throw new ImapError("BYE", text);
    }
    if (read.kind === "too-long") throw bad("Authentication response too long");
    if (isSaslCancel(read.text)) throw bad("Authentication cancelled");
    response = read.text;
  }
  const credentials = decodePlainResponse(response === "=" ? "" : response, {
    keepForeignAuthzid: true,
  });
  if ("error" in credentials) throw bad(`Invalid PLAIN response: ${credentials.error}`);
  return await completeLogin(session, credentials.user, credentials.password, credentials);
}

/**
 * Checks the password through the shared limiter and enters the
 * authenticated state. Right credentials with a SASL authzid naming someone
 * else get NO [AUTHORIZATIONFAILED] (RFC 5530): no account acts as another.
 */
async function completeLogin(
  session: ImapSession,
  user: string,
  password: string,
  sasl: { authzid: string } = { authzid: "" },
): Promise<Done> {
  const ip = session.connection.remoteAddress;
  const verdict = session.options.limiter.begin(ip, user);
  if (!verdict.allowed) {
    throw no("Too many failed logins; try again later", "UNAVAILABLE");
  }
  let grant: string | null;
  try {
    if (verdict.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, verdict.delayMs));
    grant = await session.options.directory.verifyLoginGrant(user, password);
  } catch (error) {
    session.options.limiter.cancel(ip, user);
    throw error;
  }
  if (grant === null) {
    session.options.limiter.recordFailure(ip, user);
    const { event, ...fields } = formatAuthFailureFields(ip, user, "imap");
    // Not session.log: its cid would stand between event and ip, where fail2ban's
    // failregex (README) expects "event=auth.failed ip=".
    session.options.log.warn(event, { ...fields, cid: session.cid });
    throw no("Invalid credentials", "AUTHENTICATIONFAILED");
  }
  session.options.limiter.recordSuccess(ip, user);
  if (isForeignAuthzid({ authzid: sasl.authzid, user })) {
    session.log.warn("imap.authz_refused", { user, authzid: sasl.authzid });
    throw no("Not authorized to act as that user", "AUTHORIZATIONFAILED");
  }
  // The account is the canonical address: " Bob@localhost" must not name `mail/localhost/ bob/`.
  const account = normalizeAddress(user);
  try {
    await prepareAccount(session.options.mailboxes, account);
    const adopted = await adoptOldFolderSpellings(session.options.mailboxes.accountDir(account));
    for (const { from, to } of adopted.renamed) {
      session.log.info("imap.folder_renamed", { user: account, from, to });
    }
    for (const name of adopted.taken) {
      session.log.warn("imap.folder_unreachable", {
        user: account,
        folder: name,
        reason: "name-taken",
      });
    }
  } catch (error) {
    // On a full disk the user must still get in, to read and delete mail; the
    // special folders are made at a later login (the ready marker was not written).
    // Any other failure answers the LOGIN NO, so the session stays unauthenticated
    // (RFC 9051 6.2.3: a NO is a failed login; a client never learns it got in).
    if (!isStorageFull(error)) throw error;
    session.log.warn("imap.account_setup_deferred", { user: account, error: String(error) });
  }
  session.user = account;
  session.grant = grant;
  session.log.info("imap.login", { user: session.user, tls: session.isTls });
  return { code: `CAPABILITY ${session.capabilities().join(" ")}`, text: "Logged in" };
}

/** Session-level commands. */
export const SESSION_COMMANDS: [string, ImapCommand][] = [
  ["CAPABILITY", { states: ANY_STATE, handle: capability }],
  ["NOOP", { states: ANY_STATE, handle: noop }],
  ["LOGOUT", { states: ANY_STATE, handle: logout }],
  ["ID", { states: ANY_STATE, handle: id }],
  // RFC 5161 3.1: only in the authenticated state, before any mailbox is selected.
  ["ENABLE", { states: ["authenticated"], handle: enable }],
  ["STARTTLS", { states: PRE_AUTH, handle: starttls }],
  ["LOGIN", { states: PRE_AUTH, handle: login }],
  ["AUTHENTICATE", { states: PRE_AUTH, handle: authenticate }],
];
