/**
 * The DSN parameters a relayed message carries on (RFC 3461 5.2.1): RET and
 * ENVID on MAIL, NOTIFY and ORCPT on each RCPT, exactly as they came in
 * (still xtext), for a server that offers DSN.
 */
import { orcptForPeer, type RecipientDsn } from "../smtp/mod.ts";

/** What the sender asked for, as kept in the queue. */
export interface OutgoingDsn {
  ret?: string;
  envid?: string;
  /** By recipient, as in the envelope. */
  rcpts?: Readonly<Record<string, RecipientDsn>>;
}

/** " RET=... ENVID=..." without the leading space, or "". */
export function dsnMailParameters(dsn: OutgoingDsn): string {
  return [
    dsn.ret ? `RET=${dsn.ret}` : "",
    dsn.envid ? `ENVID=${dsn.envid}` : "",
  ].filter(Boolean).join(" ");
}

/**
 * " NOTIFY=... ORCPT=..." for `rcpt` (leading space included), or "". A
 * utf-8 ORCPT goes in its 7-bit form unless the transaction uses SMTPUTF8
 * (RFC 6533 3).
 */
export function dsnRcptParameters(dsn: OutgoingDsn, rcpt: string, isSmtputf8: boolean): string {
  const asked = dsn.rcpts?.[rcpt];
  if (!asked) return "";
  let params = "";
  if (Array.isArray(asked.notify) && asked.notify.length > 0) {
    params += ` NOTIFY=${asked.notify.join(",")}`;
  }
  if (typeof asked.orcpt === "string") {
    params += ` ORCPT=${orcptForPeer(asked.orcpt, { hasSmtputf8: isSmtputf8 })}`;
  }
  return params;
}
