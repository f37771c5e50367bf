/**
 * The Received trace header (RFC 5321 4.4) and the protocol names of RFC 3848.
 * Every value from the client is reduced to safe characters first, so a
 * hostile HELO cannot fold in extra header lines or comments.
 */
import { formatRfc5322Date } from "./date.ts";
import { asciiEnvelopeAddress } from "./peer_form.ts";

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

/**
 * The longest name a HELO or `--hostname` can be (RFC 5321 4.5.3.1.2): the
 * trace names it whole, as presented (4.4), never cut to a name it is not.
 */
const MAX_NAME_OCTETS = 255;

/** Keeps printable ASCII that cannot end a comment or a header. */
export function sanitizeTraceValue(value: string, maxLength = 100): string {
  return value.replace(/[^\x21-\x7e]|[();\\]/g, "?").slice(0, maxLength);
}

/**
 * An address for the trace: its domain in A-labels, so the header stays
 * ASCII wherever it can go on to a peer without SMTPUTF8; a UTF-8 local part
 * (which only an SMTPUTF8 transaction carries, RFC 6531 3.2) kept as
 * letters, digits, marks, punctuation and symbols (RFC 6532 3.2), never as
 * controls or line separators.
 */
export function sanitizeTraceAddress(address: string, maxLength = 256): string {
  const ascii = asciiEnvelopeAddress(address) ?? address;
  if (!/[^\x00-\x7f]/.test(ascii)) return withBalancedQuotes(sanitizeTraceValue(ascii, maxLength));
  const kept = ascii.replace(/[^\x21-\x7e\p{L}\p{M}\p{N}\p{P}\p{S}]|[();\\]/gu, "?");
  return withBalancedQuotes(Array.from(kept).slice(0, maxLength).join(""));
}

/**
 * A sanitised address whose quoted local part stays one quoted string: the
 * backslash of a quoted pair (`"a\"b"`) is gone by now, so every quote
 * inside the local part becomes "?" too. Left alone, the freed quote would
 * open a quoted string that runs over the ";" and the date (RFC 5321 4.4:
 * the "for" clause is one Path).
 */
function withBalancedQuotes(address: string): string {
  const at = address.lastIndexOf("@");
  const local = at < 0 ? address : address.slice(0, at);
  const domain = at < 0 ? "" : address.slice(at);
  const isQuoted = local.length >= 2 && local.startsWith('"') && local.endsWith('"');
  const inner = (isQuoted ? local.slice(1, -1) : local).replaceAll('"', "?");
  return (isQuoted ? `"${inner}"` : inner) + domain;
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
    const by = sanitizeTraceValue(info.hostname, MAX_NAME_OCTETS);
    lines.push(`Received: by ${by} (Pillarbox) id ${info.qid}`);
  } else {
    const helo = sanitizeTraceValue(info.helo || "unknown", MAX_NAME_OCTETS);
    const ip = info.clientIp.includes(":") ? `IPv6:${info.clientIp}` : info.clientIp;
    lines.push(`Received: from ${helo} ([${sanitizeTraceValue(ip, 60)}])`);
    lines.push(
      `\tby ${sanitizeTraceValue(info.hostname, MAX_NAME_OCTETS)} (Pillarbox) with ${
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
  const forClause = info.forRecipient ? `\tfor <${sanitizeTraceAddress(info.forRecipient)}>` : "";
  if (forClause) lines.push(forClause);
  const last = lines.length - 1;
  lines[last] = `${lines[last]}; ${date}`;
  return lines.join("\r\n") + "\r\n";
}
