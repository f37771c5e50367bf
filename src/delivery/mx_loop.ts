/**
 * This host among a domain's mail exchangers (RFC 5321 5.1): "The relay host
 * MUST then inspect the list for any of the names or addresses by which it
 * might be known in mail transactions. If a matching record is found, all
 * records at that preference level and higher-numbered ones MUST be
 * discarded. If there are no records left at that point, it is an error
 * condition, and the message MUST be returned as undeliverable."
 * Without this, mail for a domain whose MX points here (and that is not one of
 * `--domains`) is relayed to ourselves, again and again.
 */
import { domainToASCII } from "node:url";

/** One MX host (or the implicit MX: the domain itself at preference 0). */
export interface MxEntry {
  exchange: string;
  preference: number;
}

/** How this host is known: its names, and a test for its own SMTP listener. */
export interface SelfIdentity {
  /** The names this host goes by (`--hostname`). */
  localNames?: readonly string[];
  /** Whether `address:port` is this host's own SMTP listener. */
  isOwnListener?: (address: string, port: number) => boolean;
}

/** The lowest preference at which an entry names this host, or null. */
export function selfPreferenceByName(
  entries: readonly MxEntry[],
  identity: SelfIdentity,
): number | null {
  const names = new Set((identity.localNames ?? []).map(normaliseName));
  const own = entries.filter((entry) => names.has(normaliseName(entry.exchange)));
  return own.length > 0 ? Math.min(...own.map((entry) => entry.preference)) : null;
}

/** The lowest preference of a host one of whose addresses is this host's listener, or null. */
export function selfPreferenceByAddress(
  targets: readonly { name: string; address: string; port: number }[],
  preferenceOf: (name: string) => number,
  identity: SelfIdentity,
): number | null {
  const isOwn = identity.isOwnListener;
  if (!isOwn) return null;
  const own = targets.filter((target) => isOwn(target.address, target.port));
  return own.length > 0 ? Math.min(...own.map((target) => preferenceOf(target.name))) : null;
}

/** The permanent failure for a domain whose best remaining MX is this host. */
export function loopFailure(domain: string): {
  kind: "permanent";
  reason: string;
  status: string;
} {
  return {
    kind: "permanent",
    reason: `Mail for ${domain} loops back to this host (it is the domain's best MX, ` +
      `but ${domain} is not one of --domains)`,
    status: "5.4.6",
  };
}

/** A name in one spelling: lower case, no trailing dot, A-labels (RFC 5890: "bücher" is "xn--bcher-kva"). */
function normaliseName(name: string): string {
  const lower = name.toLowerCase().replace(/\.$/, "");
  return /[^\x00-\x7f]/.test(lower) ? domainToASCII(lower) || lower : lower;
}
