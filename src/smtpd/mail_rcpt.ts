/**
 * MAIL and RCPT: parse (no side effects), then decide policy, then change
 * the transaction. Relaying is decided per recipient domain: local domains
 * go to mailboxes, anything else needs a trusted network or AUTH.
 */
import { parsePath } from "../mail/mod.ts";
import { parseParameters, Refusal, type Reply, reply } from "../smtp/mod.ts";
import { splitPathArgument } from "../smtp/mod.ts";
import type { SmtpSession } from "./session.ts";
import { Transaction } from "./transaction.ts";

const XTEXT = /^([\x21-\x2a\x2c-\x3c\x3e-\x7e]|\+[0-9A-F]{2})*$/;

/** MAIL FROM:<path> [SIZE=n] [BODY=7BIT|8BITMIME] [SMTPUTF8] [AUTH=xtext] */
export async function handleMail(session: SmtpSession, arg: string): Promise<Reply> {
  const split = splitPathArgument(arg, "FROM");
  if ("error" in split) throw Refusal.syntax(split.error);
  const params = parseParameters(split.params);
  if ("error" in params) throw Refusal.syntax(params.error);
  // RFC 5321 4.1.1.2: parameters belong to extensions negotiated by EHLO; HELO offers none.
  const firstParam = params.keys().next();
  if (!session.isEsmtp && !firstParam.done) throw Refusal.unsupportedParameter(firstParam.value);
  let is8bit = false;
  let isSmtputf8 = false;
  for (const [name, value] of params) {
    switch (name) {
      case "SIZE": {
        if (value === null || !/^\d{1,20}$/.test(value)) {
          throw Refusal.syntax("SIZE needs a number");
        }
        if (Number(value) > session.options.maxMessageBytes) throw Refusal.messageTooBig();
        break;
      }
      case "BODY": {
        if (value === null) throw Refusal.syntax("BODY needs 7BIT or 8BITMIME");
        const body = value.toUpperCase();
        if (body !== "7BIT" && body !== "8BITMIME") {
          throw Refusal.unsupportedParameter(`BODY=${value}`);
        }
        is8bit = body === "8BITMIME";
        break;
      }
      case "SMTPUTF8":
        if (value !== null) throw Refusal.syntax("SMTPUTF8 takes no value");
        isSmtputf8 = true;
        break;
      case "AUTH":
        // RFC 4954 5: accepted and not trusted; we keep nothing of it.
        if (value === null || !XTEXT.test(value)) {
          throw Refusal.syntax("AUTH= needs an xtext value");
        }
        break;
      default:
        throw Refusal.unsupportedParameter(name);
    }
  }
  const path = parsePath(split.path, { allowNull: true });
  if ("error" in path) throw Refusal.badSenderSyntax(path.error);
  const from = path.kind === "null" ? "" : path.mailbox.address;
  if (path.kind === "mailbox" && path.mailbox.isUtf8 && !isSmtputf8) {
    throw Refusal.utf8NeedsSmtputf8();
  }
  await session.options.checkSender?.(session, from);
  session.transaction = new Transaction({ from, is8bit, isSmtputf8 });
  session.log.debug("smtp.mail", { from });
  return reply(250, "2.1.0", "Sender ok");
}

/** RCPT TO:<path> */
export async function handleRcpt(session: SmtpSession, arg: string): Promise<Reply> {
  const transaction = session.transaction as Transaction;
  if (transaction.isChunking) throw Refusal.badSequence("RCPT after BDAT: send BDAT or RSET");
  transaction.hasRcptAttempt = true;
  const split = splitPathArgument(arg, "TO");
  if ("error" in split) throw Refusal.syntax(split.error);
  const params = parseParameters(split.params);
  if ("error" in params) throw Refusal.syntax(params.error);
  const firstParam = params.keys().next();
  if (!firstParam.done) throw Refusal.unsupportedParameter(firstParam.value);
  const address = recipientAddress(session, split.path);
  if (transaction.rcptCount >= session.options.maxRecipients) throw Refusal.tooManyRecipients();
  const verdict = await session.options.directory.resolveRecipient(address);
  let targets: string[];
  switch (verdict.kind) {
    case "unknown":
      if (verdict.isStale) {
        session.log.info("smtp.rcpt_deferred", { rcpt: address, reason: "directory-stale" });
        throw Refusal.recipientLookupFailed();
      }
      session.log.info("smtp.rcpt_refused", { rcpt: address, reason: "unknown-user" });
      throw Refusal.unknownUser();
    case "remote":
      if (!session.mayRelay) {
        session.log.info("smtp.rcpt_refused", {
          rcpt: address,
          reason: "relay-denied",
          ip: session.connection.remoteAddress,
        });
        throw Refusal.relayDenied();
      }
      targets = [address];
      break;
    case "local":
      targets = [
        ...verdict.mailboxes,
        ...(verdict.forwards ?? []),
        ...(verdict.unknownTargets ?? []),
      ];
      break;
  }
  transaction.addRecipient(address, targets);
  return reply(250, "2.1.5", "Recipient ok");
}

/** Parses the RCPT path; "<postmaster>" alone means the postmaster of our first domain. */
function recipientAddress(session: SmtpSession, pathText: string): string {
  if (/^<postmaster>$/i.test(pathText)) {
    return `postmaster@${session.options.postmasterDomain}`;
  }
  const path = parsePath(pathText, { allowNull: false });
  if ("error" in path || path.kind !== "mailbox") {
    const error = "error" in path ? path.error : "null path";
    // Forms that try to smuggle a relay through a local domain end here: logged like a relay refusal.
    session.log.info("smtp.rcpt_refused", {
      rcpt: pathText,
      reason: "bad-address",
      error,
      ip: session.connection.remoteAddress,
    });
    throw Refusal.badRecipientSyntax(error);
  }
  if (path.mailbox.isUtf8 && !session.transaction?.isSmtputf8) throw Refusal.utf8NeedsSmtputf8();
  return path.mailbox.address;
}
