/**
 * What a queued message's sender asked to be told, per recipient (RFC 3461
 * 4.1, 5.2): read from the envelope, where nothing asked means the default
 * (failures and delays reported, success not).
 */
import type { Envelope } from "./envelope.ts";

/** The kinds of notice NOTIFY names. */
export type RequestedNotice = "SUCCESS" | "FAILURE" | "DELAY";

/**
 * Whether the sender of `envelope` wants a `kind` notice about `rcpt`:
 * without NOTIFY a failure and a delay are reported and a success is not
 * (RFC 3461 4.1: no NOTIFY may be read as FAILURE,DELAY); with NOTIFY only
 * what it names; NEVER names nothing.
 */
export function wantsNotice(envelope: Envelope, rcpt: string, kind: RequestedNotice): boolean {
  const notify = envelope.rcptDsn?.[rcpt]?.notify;
  if (!Array.isArray(notify)) return kind !== "SUCCESS";
  return notify.includes(kind);
}

/** Whether any recipient of `envelope` is to be reported on success, or an alias as expanded. */
export function asksForSuccess(envelope: Envelope): boolean {
  if (envelope.expanded && envelope.expanded.length > 0) return true;
  const rcptDsn = envelope.rcptDsn;
  if (!rcptDsn) return false;
  return Object.values(rcptDsn).some((dsn) =>
    Array.isArray(dsn?.notify) && dsn.notify.includes("SUCCESS")
  );
}

/** The ORCPT kept for `rcpt` (`addr-type;xtext`), if any. */
export function originalRecipientOf(envelope: Envelope, rcpt: string): string | undefined {
  const orcpt = envelope.rcptDsn?.[rcpt]?.orcpt;
  return typeof orcpt === "string" ? orcpt : undefined;
}
