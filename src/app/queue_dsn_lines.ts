/**
 * What `queue show` says of a message's DSN requests (RFC 3461), in the
 * parameters' own wire form: whether its sender hears of a failure, a delay
 * or a success depends on them, and nothing else shows them.
 */
import type { Envelope } from "../spool/mod.ts";

/** "RET=... ENVID=..." for the message, or null when MAIL gave neither. */
export function messageDsnLine(envelope: Envelope): string | null {
  const words = [
    typeof envelope.ret === "string" ? `RET=${envelope.ret}` : "",
    typeof envelope.envid === "string" ? `ENVID=${envelope.envid}` : "",
  ].filter(Boolean);
  return words.length > 0 ? `DSN: ${words.join(" ")}` : null;
}

/** "NOTIFY=... ORCPT=..." for one recipient, or null when its RCPT gave neither. */
export function recipientDsnLine(envelope: Envelope, rcpt: string): string | null {
  const asked = envelope.rcptDsn?.[rcpt];
  const words = [
    Array.isArray(asked?.notify) ? `NOTIFY=${asked.notify.join(",")}` : "",
    typeof asked?.orcpt === "string" ? `ORCPT=${asked.orcpt}` : "",
  ].filter(Boolean);
  return words.length > 0 ? `Recipient-DSN: <${rcpt}> ${words.join(" ")}` : null;
}

/** One line per alias to be reported "expanded" (RFC 3461 5.2.7.3). */
export function expandedLines(envelope: Envelope): string[] {
  if (!Array.isArray(envelope.expanded)) return [];
  return envelope.expanded.map((alias) =>
    `Expanded: <${alias.rcpt}>${typeof alias.orcpt === "string" ? ` ORCPT=${alias.orcpt}` : ""}`
  );
}
