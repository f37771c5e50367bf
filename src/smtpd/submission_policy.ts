/**
 * Who may use which sender (the `checkSender` hook at MAIL).
 *
 * On the submission ports (587, 465) MAIL needs AUTH first: local programs
 * without a password use port 25 from --relay-networks, or sendmail/pickup.
 * On every port, an authenticated user may send only as an address they own
 * (their account, or an alias that delivers to them), and not as `<>`:
 * bounces are the server's business, never a user's.
 */
import { Refusal } from "../smtp/mod.ts";
import type { SmtpSession } from "./session.ts";

/** Refuses MAIL FROM `from` when the session may not use it; returns quietly otherwise. */
export async function checkSubmissionSender(session: SmtpSession, from: string): Promise<void> {
  const user = session.authUser;
  if (user === null) {
    if (session.options.kind !== "smtp") throw Refusal.authRequired();
    return;
  }
  const isOwned = from !== "" && await session.options.directory.ownsAddress(user, from);
  if (!isOwned) {
    session.log.info("smtp.sender_refused", { user, from: from || "<>", reason: "not-owned" });
    throw Refusal.senderNotOwned();
  }
}
