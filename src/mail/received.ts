/**
 * The Received trace header (RFC 5321 4.4) and the protocol names of RFC 3848.
 * Every value from the client is reduced to safe characters first, so a
 * hostile HELO cannot fold in extra header lines or comments.
 */
import { formatRfc5322Date } from "./date.ts";

/** What the server knows about how a message arrived. */
export interface ReceivedInfo {
  helo: string;
  clientIp: string;
  hostname: string;
  qid: string;
  /** True after EHLO (ESMTP), false after HELO (SMTP); "local" for pickup/sendmail. */
  protocol: "SMTP" | "ESMTP" | "local";
  tls?: { protocol: string; cipher: string } | null;
  authUser?: string;
  /** The transaction used SMTPUTF8 (MAIL ... SMTPUTF8): RFC 6531 3.7.3 names it in "with". */
  isSmtputf8?: boolean;
  /** Recipient for the "for" clause (only when there is exactly one). */
  forRecipient?: string;
  date?: Date;
}

/** Keeps printable ASCII that cannot end a comment or a header. */
export function sanitizeTraceValue(value: string, maxLength = 100): string {
  return value.replace(/[^\x21-\x7e]|[();\\]/g, "?").slice(0, maxLength);
}

/**
 * The "with" keyword: SMTP, or ESMTP plus S for TLS and A for AUTH (RFC
 * 3848); UTF8SMTP in place of ESMTP when the transaction used SMTPUTF8
 * (RFC 6531 3.7.3).
 */
export function withProtocol(
  info: Pick<ReceivedInfo, "protocol" | "tls" | "authUser" | "isSmtputf8">,
): string {
  if (info.protocol !== "ESMTP") return info.protocol === "SMTP" ? "SMTP" : "local";
  return (info.isSmtputf8 ? "UTF8SMTP" : "ESMTP") + (info.tls ? "S" : "") +
    (info.authUser ? "A" : "");
}

/** The complete header, folded, CRLF-terminated. */
export function formatReceived(info: ReceivedInfo): string {
  const date = formatRfc5322Date(info.date ?? new Date());
  const lines: string[] = [];
  if (info.protocol === "local") {
    lines.push(`Received: by ${sanitizeTraceValue(info.hostname)} (Pillarbox) id ${info.qid}`);
  } else {
    const helo = sanitizeTraceValue(info.helo || "unknown");
    const ip = info.clientIp.includes(":") ? `IPv6:${info.clientIp}` : info.clientIp;
    lines.push(`Received: from ${helo} ([${sanitizeTraceValue(ip, 60)}])`);
    lines.push(
      `\tby ${sanitizeTraceValue(info.hostname)} (Pillarbox) with ${
        withProtocol(info)
      } id ${info.qid}`,
    );
    if (info.tls) {
      lines.push(
        `\t(using ${sanitizeTraceValue(info.tls.protocol)} with cipher ${
          sanitizeTraceValue(info.tls.cipher)
        })`,
      );
    }
    if (info.authUser) lines.push(`\t(authenticated as ${sanitizeTraceValue(info.authUser, 254)})`);
  }
  const forClause = info.forRecipient
    ? `\tfor <${sanitizeTraceValue(info.forRecipient, 256)}>`
    : "";
  if (forClause) lines.push(forClause);
  const last = lines.length - 1;
  lines[last] = `${lines[last]}; ${date}`;
  return lines.join("\r\n") + "\r\n";
}
