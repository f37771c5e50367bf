/**
 * Delivery status notifications (RFC 3464) in a multipart/report
 * (RFC 6522): a readable explanation, the machine-readable
 * message/delivery-status part, and the original message's headers as
 * text/rfc822-headers (message/global-headers when they hold UTF-8).
 * Pure: the caller supplies every fact and the clock.
 *
 * The result is 7-bit with CRLF line ends whatever the original held: its
 * headers are sent quoted-printable when they contain 8-bit bytes or overlong
 * lines, and every value from the network is reduced to printable ASCII.
 */
import { formatRfc5322Date } from "./date.ts";
import { toLatin1 } from "./latin1.ts";
import { isUtf8Binary } from "./encoded_word_writer.ts";
import { encodeQuotedPrintable } from "./quoted_printable.ts";
import { replyFields } from "./reply_fields.ts";

/** One recipient the notice reports on. */
export interface DsnRecipient {
  address: string;
  /** RFC 3464 2.3.3; "delivered", "relayed" and "expanded" only in a success notice. */
  action: "failed" | "delayed" | "delivered" | "relayed" | "expanded";
  /** Original-Recipient's value (`rfc822; a@b`), from the RCPT's ORCPT (RFC 3461 6.3 (d)). */
  originalRecipient?: string;
  /** Enhanced status code (RFC 3463), e.g. "5.1.1" or "4.4.7". */
  status: string;
  /** The host that answered, when one did. */
  remoteMta?: string;
  /** The last reply or error; an SMTP reply ("550 5.1.1 ...") becomes `smtp;`. */
  diagnostic?: string;
  lastAttemptMs?: number;
  /** For "delayed": when the server gives up. */
  willRetryUntilMs?: number;
}

/** What a notice is about. */
export interface DsnInput {
  /** Our hostname: Reporting-MTA and the From address. */
  reportingMta: string;
  /** The envelope sender of the original message, who receives the notice. */
  to: string;
  originalQid: string;
  arrivalMs: number;
  recipients: readonly DsnRecipient[];
  /** The original header section (up to, not including, the blank line). */
  originalHeaders: Uint8Array;
  /**
   * The whole original message, 7-bit with CRLF line ends, returned as
   * message/rfc822 instead of its headers (RET=FULL, RFC 3461 4.3).
   */
  returnedMessage?: Uint8Array;
  /** A sentence on why only the headers are returned though the whole message was asked for. */
  returnNote?: string;
  /** Original-Envelope-Id's value: the ENVID, xtext decoded (RFC 3461 6.3 (a)). */
  envelopeId?: string;
  nowMs: number;
  messageId: string;
  /** MIME boundary; random when not given. */
  boundary?: string;
}

const MAX_DIAGNOSTIC_CHARS = 900;
/** RFC 5322 2.1.1: a line of at most 998 octets before its CRLF. */
const MAX_LINE_OCTETS = 998;
const encoder = new TextEncoder();

/** Printable ASCII only, whitespace collapsed, bounded. */
function clean(text: string, maxChars = MAX_DIAGNOSTIC_CHARS): string {
  return text.replace(/[\r\n\t]+/g, " ").replace(/[^\x20-\x7e]/g, "?").replace(/ {2,}/g, " ")
    .trim().slice(0, maxChars);
}

/**
 * An address for the readable part, in the spelling its owner knows
 * (`jörg@bücher.test`): letters, marks, digits, punctuation and symbols of any
 * script kept, controls and line separators replaced.
 */
function readableAddress(address: string): string {
  if (/^[\x21-\x7e]*$/.test(address)) return clean(address, 256);
  const kept = address.replace(/[^\x21-\x7e\p{L}\p{M}\p{N}\p{P}\p{S}]/gu, "?");
  return Array.from(kept).slice(0, 256).join("");
}

/** RFC 3464 address field: `rfc822; a@b`, or RFC 6533 `utf-8;` xtext for non-ASCII. */
function addressField(address: string): string {
  if (/^[\x21-\x7e]+$/.test(address)) return `rfc822; ${address}`;
  const escaped = [...address].map((ch) => {
    const code = ch.codePointAt(0) ?? 0;
    return code < 0x21 || code > 0x7e || ch === "\\" || ch === "+" || ch === "="
      ? `\\x{${code.toString(16).toUpperCase()}}`
      : ch;
  }).join("");
  return `utf-8; ${escaped}`;
}

/** Diagnostic-Code: an SMTP reply is typed `smtp`, our own text `X-Pillarbox`. */
export function diagnosticCodeField(diagnostic: string): string {
  const text = clean(diagnostic);
  return /^[2-5][0-9]{2}[ -]/.test(text) ? `smtp; ${text}` : `X-Pillarbox; ${text}`;
}

/**
 * The name for "Remote-MTA: dns;" (RFC 3464 2.3.5): a host name alone, as
 * "name [address]" (the courier's form for logs) carries one; a bare IP
 * address as an address literal.
 */
function remoteMtaName(remoteMta: string): string {
  const named = /^(\S+) \[[^\]]*\]$/.exec(remoteMta);
  if (named) return named[1]!;
  return /^[0-9.]+$|:/.test(remoteMta) ? `[${remoteMta}]` : remoteMta;
}

/**
 * Original-Recipient's value, cut so the line keeps to 998 octets (RFC 5322
 * 2.1.1; a notice with a longer line is refused by strict servers, ours too,
 * and lost). An ORCPT may be 500 characters (RFC 3461 4.2) and its 7-bit form
 * several times that (RFC 6533 3: `\x{F6}` for one "ö"), and an address
 * without white space cannot be folded. Only a hostile ORCPT is that
 * long: a real one is an address of at most 256 octets. A `\x{...}` cut in
 * half is dropped whole.
 */
function originalRecipientValue(value: string): string {
  const room = MAX_LINE_OCTETS - "Original-Recipient: ".length;
  const text = clean(value, Infinity);
  if (text.length <= room) return text;
  return text.slice(0, room).replace(/\\(?:x(?:\{[0-9A-Fa-f]*)?)?$/, "");
}

function recipientBlock(rcpt: DsnRecipient): string[] {
  const lines = [
    ...(rcpt.originalRecipient === undefined
      ? []
      : [`Original-Recipient: ${originalRecipientValue(rcpt.originalRecipient)}`]),
    `Final-Recipient: ${addressField(rcpt.address)}`,
    `Action: ${rcpt.action}`,
    `Status: ${/^[245]\.\d{1,3}\.\d{1,3}$/.test(rcpt.status) ? rcpt.status : "5.0.0"}`,
  ];
  if (rcpt.remoteMta) lines.push(`Remote-MTA: dns; ${clean(remoteMtaName(rcpt.remoteMta), 255)}`);
  if (rcpt.diagnostic) lines.push(`Diagnostic-Code: ${diagnosticCodeField(rcpt.diagnostic)}`);
  if (rcpt.lastAttemptMs !== undefined) {
    lines.push(`Last-Attempt-Date: ${formatRfc5322Date(new Date(rcpt.lastAttemptMs))}`);
  }
  if (rcpt.willRetryUntilMs !== undefined) {
    lines.push(`Will-Retry-Until: ${formatRfc5322Date(new Date(rcpt.willRetryUntilMs))}`);
  }
  return lines;
}

/** What a notice is about: all its recipients failed or some did, delayed, or went on. */
type NoticeKind = "failed" | "delayed" | "success";

function noticeKind(recipients: readonly DsnRecipient[]): NoticeKind {
  if (recipients.every((rcpt) => rcpt.action === "delayed")) return "delayed";
  const isSuccess = recipients.every((rcpt) =>
    rcpt.action === "delivered" || rcpt.action === "relayed" || rcpt.action === "expanded"
  );
  return isSuccess ? "success" : "failed";
}

const SUCCESS_WORDS: Record<string, string> = {
  delivered: "delivered to the mailbox",
  relayed: "handed on to a server that does not report delivery (no further notice will come)",
  expanded: "an alias, handed on to its members (no further success notice will come)",
};

function explanation(input: DsnInput, kind: NoticeKind): string[] {
  const host = clean(input.reportingMta, 255);
  const lines = [`This is the mail system at ${host}.`, ""];
  if (kind === "delayed") {
    lines.push(
      "Your message has not been delivered yet to the recipients below.",
      "The server keeps trying; you do not need to send it again.",
    );
  } else if (kind === "success") {
    lines.push(
      "Your message was delivered as you asked to be told, for the recipients below.",
      "The message's headers are attached.",
    );
  } else {
    lines.push(
      "Your message could not be delivered to the recipients below.",
      input.returnedMessage
        ? "The server has given up on them; the message is attached."
        : "The server has given up on them; the message's headers are attached.",
    );
    if (input.returnNote) lines.push(clean(input.returnNote, 400));
  }
  lines.push("");
  for (const rcpt of input.recipients) {
    if (SUCCESS_WORDS[rcpt.action]) {
      lines.push(`<${readableAddress(rcpt.address)}>: ${SUCCESS_WORDS[rcpt.action]}`);
      continue;
    }
    const why = rcpt.status === "4.4.7"
      ? `the message expired in the queue (${rcpt.status})`
      : rcpt.diagnostic
      ? clean(rcpt.diagnostic, 400)
      : `status ${rcpt.status}`;
    lines.push(`<${readableAddress(rcpt.address)}>: ${why}`);
    if (rcpt.status === "4.4.7" && rcpt.diagnostic) {
      lines.push(`    last error: ${clean(rcpt.diagnostic, 400)}`);
    }
    if (rcpt.willRetryUntilMs !== undefined) {
      lines.push(`    will retry until ${formatRfc5322Date(new Date(rcpt.willRetryUntilMs))}`);
    }
  }
  lines.push("", `Queue id: ${clean(input.originalQid, 64)}`);
  return lines;
}

/**
 * The original headers as a MIME part: its media type, transfer encoding and
 * body. UTF-8 header text (an internationalized message, RFC 6532) goes as
 * message/global-headers (RFC 6533 6.3), quoted-printable so the notice stays
 * 7-bit (its registration allows that): text/rfc822-headers has no charset,
 * so it is US-ASCII (RFC 2046 4.1.2) and readers showed the UTF-8 as mojibake.
 */
function headersPart(headers: Uint8Array): { type: string; encoding: string; body: string } {
  let text = toLatin1(headers).replace(/(\r?\n)+$/, "");
  const isEightBit = /[\x80-\xff]/.test(text);
  const type = isEightBit && isUtf8Binary(text) ? "message/global-headers" : "text/rfc822-headers";
  const needsEncoding = isEightBit || /\x00/.test(text) ||
    text.split(/\r?\n/).some((line) => line.length > 998) || /\r(?!\n)/.test(text);
  if (needsEncoding) {
    const lines = toLatin1(headers).replace(/\r?\n/g, "\r\n");
    return { type, encoding: "quoted-printable", body: encodeQuotedPrintable(lines) };
  }
  text = text.replace(/\r?\n/g, "\r\n");
  return { type, encoding: "7bit", body: text };
}

/**
 * The readable part: US-ASCII as it is; with a Unicode address in it, UTF-8
 * sent quoted-printable, so the notice stays 7-bit for any server on the way.
 */
function notificationPart(lines: string[]): string[] {
  const text = lines.join("\r\n");
  const isAscii = !/[^\x00-\x7f]/.test(text);
  return [
    `Content-Type: text/plain; charset=${isAscii ? "us-ascii" : "utf-8"}`,
    "Content-Description: Notification",
    ...(isAscii ? [] : ["Content-Transfer-Encoding: quoted-printable"]),
    "",
    isAscii ? text : encodeQuotedPrintable(toLatin1(encoder.encode(text))),
  ];
}

const SUBJECTS: Record<NoticeKind, string> = {
  delayed: "Delayed Mail (still being retried)",
  success: "Successful Mail Delivery Report",
  failed: "Undelivered Mail Returned to Sender",
};

/**
 * The returned part: the whole message as message/rfc822 (the caller made
 * sure it is 7-bit with CRLF line ends), else the headers.
 */
function returnedPart(input: DsnInput): string[] {
  if (input.returnedMessage) {
    return [
      "Content-Type: message/rfc822",
      "Content-Description: Undelivered message",
      "Content-Transfer-Encoding: 7bit",
      "",
      toLatin1(input.returnedMessage).replace(/\r\n$/, ""),
    ];
  }
  const headers = headersPart(input.originalHeaders);
  return [
    `Content-Type: ${headers.type}`,
    `Content-Description: ${
      noticeKind(input.recipients) === "success" ? "Message headers" : "Undelivered message headers"
    }`,
    `Content-Transfer-Encoding: ${headers.encoding}`,
    "",
    headers.body,
  ];
}

/** Builds the whole notice, ready for `spool.accept` (from `<>` to `input.to`). */
export function buildDsn(input: DsnInput): Uint8Array {
  const kind = noticeKind(input.recipients);
  const boundary = input.boundary ??
    `=_pillarbox_${crypto.randomUUID().replaceAll("-", "")}`;
  const host = clean(input.reportingMta, 255);
  const status = [
    // RFC 3464 2.2: Original-Envelope-Id comes first of the per-message fields.
    ...(input.envelopeId === undefined
      ? []
      : [`Original-Envelope-Id: ${clean(input.envelopeId, 100)}`]),
    `Reporting-MTA: dns; ${host}`,
    `X-Pillarbox-Queue-ID: ${clean(input.originalQid, 64)}`,
    `Arrival-Date: ${formatRfc5322Date(new Date(input.arrivalMs))}`,
  ];
  for (const rcpt of input.recipients) status.push("", ...recipientBlock(rcpt));
  const lines = [
    `From: Mail Delivery System <MAILER-DAEMON@${host}>`,
    `To: <${input.to}>`,
    `Subject: ${SUBJECTS[kind]}`,
    `Date: ${formatRfc5322Date(new Date(input.nowMs))}`,
    `Message-ID: <${input.messageId}>`,
    // A response to the original (RFC 3834 3.1.6): readers thread it with that message.
    ...replyFields(toLatin1(input.originalHeaders)),
    "Auto-Submitted: auto-replied",
    "MIME-Version: 1.0",
    "Content-Type: multipart/report; report-type=delivery-status;",
    `\tboundary="${boundary}"`,
    "",
    "This is a MIME-encapsulated delivery status notification.",
    "",
    `--${boundary}`,
    ...notificationPart(explanation(input, kind)),
    "",
    `--${boundary}`,
    "Content-Type: message/delivery-status",
    "Content-Description: Delivery report",
    "",
    ...status,
    "",
    `--${boundary}`,
    ...returnedPart(input),
    "",
    `--${boundary}--`,
    "",
  ];
  return encoder.encode(lines.join("\r\n"));
}
