/**
 * MAIL and RCPT: parse (no side effects), then decide policy, then change
 * the transaction. Relaying is decided per recipient domain: local domains
 * go to mailboxes, anything else needs a trusted network or AUTH.
 */
import { parsePath } from "../mail/mod.ts";
import { parseParameters, Refusal, type Reply, reply } from "../smtp/mod.ts";
import { type DsnReturn, isXtext, parseEnvid, parseRet } from "../smtp/mod.ts";
import { recipientDsn } from "./rcpt_dsn.ts";
import { splitPathArgument } from "../smtp/mod.ts";
import type { SmtpSession } from "./session.ts";
import { Transaction } from "./transaction.ts";

/**
 * MAIL FROM:<path> [SIZE=n] [BODY=7BIT|8BITMIME] [SMTPUTF8] [AUTH=xtext]
 * [RET=FULL|HDRS] [ENVID=xtext]
 */
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
  let ret: DsnReturn | undefined;
  let envid: string | undefined;
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
        if (value === null || !isXtext(value)) {
          throw Refusal.syntax("AUTH= needs an xtext value");
        }
        break;
      case "RET": {
        // RFC 3461 5.1 (a): a bad value is a 501 (parseParameters refuses one given twice).
        const checked = parseRet(value);
        if (typeof checked === "object") throw Refusal.syntax(checked.error);
        ret = checked;
        break;
      }
      case "ENVID": {
        const checked = parseEnvid(value);
        if (typeof checked === "object") throw Refusal.syntax(checked.error);
        envid = checked;
        break;
      }
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
  session.transaction = new Transaction({ from, is8bit, isSmtputf8, ret, envid });
  session.log.debug("smtp.mail", { from });
  return reply(250, "2.1.0", "Sender ok");
}

/** RCPT TO:<path> [NOTIFY=...] [ORCPT=addr-type;xtext] */
export async function handleRcpt(session: SmtpSession, arg: string): Promise<Reply> {
  const transaction = session.transaction as Transaction;
  if (transaction.isChunking) throw Refusal.badSequence("RCPT after BDAT: send BDAT or RSET");
  transaction.hasRcptAttempt = true;
  const split = splitPathArgument(arg, "TO");
  if ("error" in split) throw Refusal.syntax(split.error);
  // RFC 6531 3.3: a value may hold UTF-8 (an ORCPT's; its check says whether SMTPUTF8 allows it).
  const params = parseParameters(split.params, { isUtf8Allowed: true });
  if ("error" in params) throw Refusal.syntax(params.error);
  // RFC 5321 4.1.1.3: parameters belong to extensions negotiated by EHLO; HELO offers none.
  const firstParam = params.keys().next();
  if (!session.isEsmtp && !firstParam.done) throw Refusal.unsupportedParameter(firstParam.value);
  const dsn = firstParam.done ? undefined : recipientDsn(params, transaction);
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
  transaction.addRecipient(address, targets, dsn);
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
