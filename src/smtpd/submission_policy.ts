/**
 * Who may use which sender (the `checkSender` hook at MAIL).
 *
 * On the submission ports (587, 465) MAIL needs AUTH first: local programs
 * without a password use port 25 from --relay-networks, or sendmail/pickup.
 * On every port, an authenticated user may send only as an address they own
 * (their account, or an alias that delivers to them), or as `<>`: read
 * receipts must have the null sender (RFC 8098 2.1), and so should automatic
 * replies (RFC 3834 3.3); Postfix's sender-login check lets it pass too.
 */
import { Refusal } from "../smtp/mod.ts";
import type { SmtpSession } from "./session.ts";

/** Refuses MAIL FROM `from` when the session may not use it; returns quietly otherwise. */
export async function checkSubmissionSender(session: SmtpSession, from: string): Promise<void> {
  const user = session.authUser;
  if (user === null) {
    if (session.options.kind === "smtp") return;
    // Logged as a relay refusal is: on a submission port this is the relay attempt.
    session.log.info("smtp.sender_refused", {
      from,
      reason: "auth-required",
      ip: session.connection.remoteAddress,
    });
    throw Refusal.authRequired();
  }
  // A login stands only while its password does: once `user passwd` or `user del` has
  // returned, a session opened with the old password (a stolen one, being sent spam
  // through) sends nothing more until it logs in again.
  const directory = session.options.directory;
  if (session.authGrant !== null && !await directory.isGrantCurrent(user, session.authGrant)) {
    session.log.warn("smtp.auth_revoked", { user, reason: "password-changed-or-account-deleted" });
    session.authUser = null;
    session.authGrant = null;
    throw Refusal.authRevoked();
  }
  if (from === "") return;
  const isOwned = await session.options.directory.ownsAddress(user, from);
  if (!isOwned) {
    session.log.info("smtp.sender_refused", { user, from, reason: "not-owned" });
    throw Refusal.senderNotOwned();
  }
}
