/**
 * A login stands only while its account and password do. Once `pillarbox
 * user del` or `user passwd` has returned, a session logged in before hears
 * `* BYE` at its next command, which is not run (an EXPUNGE of a removed
 * account's mail, say), and a session in IDLE within a few seconds: RFC 9051
 * 7.1.5 lets the server send BYE at any time before it closes.
 */
import { ImapError } from "./errors.ts";
import type { ImapSession } from "./session.ts";

/** How often a session in IDLE, which sends no commands, looks at its login. */
export const IDLE_LOGIN_CHECK_MS = 5_000;

/**
 * The BYE that ends `session` when its login no longer stands, else null.
 * `isFresh: false` (IDLE's timer) takes the users file as looked at up to a
 * second ago; a command's check looks at it now.
 */
export async function revokedLogin(
  session: ImapSession,
  options: { isFresh?: boolean } = {},
): Promise<ImapError | null> {
  if (session.user === null || session.grant === null) return null;
  const standing = await session.options.directory.loginStanding(
    session.user,
    session.grant,
    options,
  );
  if (standing === "current") return null;
  const reason = standing === "removed" ? "account-removed" : "password-changed";
  session.log.warn("imap.auth_revoked", { user: session.user, reason });
  // RFC 5530 3: EXPIRED, "access is no longer permitted using that passphrase".
  return standing === "removed"
    ? new ImapError("BYE", "Account removed")
    : new ImapError("BYE", "Password changed; log in again", { code: "EXPIRED" });
}
