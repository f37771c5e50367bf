/**
 * STARTTLS (RFC 3207): a row of the command table and its EHLO keyword.
 *
 * The 220 goes out in the clear, then the connection is upgraded; the
 * `Connection` discards any plaintext the client sent after STARTTLS
 * (CVE-2011-0411), and the session forgets everything learnt before the
 * handshake (EHLO, AUTH, transaction), so the client must EHLO again.
 */
import { Refusal, type Reply, reply } from "../smtp/mod.ts";
import type { CommandSpec } from "./commands.ts";
import type { SmtpSession } from "./session.ts";

/** Whether STARTTLS can be used now: TLS configured and not yet active. */
function isStarttlsAvailable(session: SmtpSession): boolean {
  return Boolean(session.options.tlsContext) && session.connection.tls === null;
}

/** "STARTTLS" while it can be used, else nothing. */
export function starttlsEhloKeywords(session: SmtpSession): string[] {
  return isStarttlsAvailable(session) ? ["STARTTLS"] : [];
}

function handleStarttls(session: SmtpSession, arg: string): Reply {
  if (arg !== "") throw Refusal.syntax("STARTTLS takes no argument");
  const getContext = session.options.tlsContext;
  if (!getContext) throw Refusal.tlsNotConfigured();
  if (session.connection.tls !== null) throw Refusal.tlsAlreadyActive();
  if (session.stage === "fresh") throw Refusal.badSequence("Send EHLO first");
  session.runAfterReply(async () => {
    const isUp = await session.connection.startServerTls(getContext());
    // RFC 3207 4.2: discard all knowledge obtained from the client before TLS.
    session.helo = null;
    session.isEsmtp = false;
    session.authUser = null;
    session.authGrant = null;
    session.transaction = null;
    const tls = session.connection.tls;
    if (isUp && tls) {
      session.log.info("smtp.tls", { version: tls.protocol, cipher: tls.cipher });
    } else {
      session.log.info("smtp.tls_failed", {
        ip: session.connection.remoteAddress,
        reason: session.connection.tlsFailure ?? "unknown",
      });
      session.closeAfterReply();
    }
  });
  return reply(220, "2.0.0", "Ready to start TLS");
}

/** The STARTTLS row: after EHLO (checked in the handler, after "already active"), no transaction. */
export const STARTTLS_COMMAND: CommandSpec = {
  allowedIn: ["fresh", "greeted"],
  handle: handleStarttls,
  outOfSequence: () => Refusal.badSequence("STARTTLS not allowed during a mail transaction"),
};
