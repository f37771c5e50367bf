/**
 * The message fixes of a submission server (RFC 6409 8): a message sent by an
 * authenticated user gets a Date (8.2) and a Message-ID (8.3) when its header
 * section has none, as `pillarbox sendmail` and the pickup folder add them.
 * Many receivers refuse mail without a Message-ID, and RFC 5322 3.6 requires
 * a Date. Mail relayed without AUTH is left as sent: an MTA does not repair
 * messages (RFC 5321 6.4).
 */
import { formatRfc5322Date } from "../mail/mod.ts";

/** What the missing fields are made of. */
export interface SubmissionFieldOptions {
  /** The queue id: unique, so `<qid@hostname>` is a unique Message-ID. */
  qid: string;
  hostname: string;
  nowMs: number;
}

/** Whether `headers` (a header section) holds a field called `name` (lowercase). */
function hasField(headers: string, name: string): boolean {
  for (const line of headers.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0 && line.slice(0, colon).trimEnd().toLowerCase() === name) return true;
  }
  return false;
}

/** The Date and Message-ID lines (CRLF-ended) that `headers` lacks; "" when it has both. */
export function missingSubmissionFields(headers: string, options: SubmissionFieldOptions): string {
  let fields = "";
  if (!hasField(headers, "date")) {
    fields += `Date: ${formatRfc5322Date(new Date(options.nowMs))}\r\n`;
  }
  if (!hasField(headers, "message-id")) {
    fields += `Message-ID: <${options.qid}@${options.hostname}>\r\n`;
  }
  return fields;
}
