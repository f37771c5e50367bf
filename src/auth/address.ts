/**
 * Addresses as accounts: `bob@example.com` is both a login name and, split at
 * the `@`, the mailbox directory `mail/example.com/bob/`.
 *
 * An account address is valid only in its canonical (normalized, lowercase)
 * form, so validation also guarantees that both halves are safe directory
 * names: no `/`, no NUL, never `.` or `..`, never empty.
 */
import { domainToASCII } from "node:url";
import { isHostname } from "../mail/mod.ts";

const LOCAL_PART = /^[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*$/;
/** RFC 5322 dot-atom local part, for addresses on other servers (alias targets). */
const REMOTE_LOCAL_PART = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

const MAX_LOCAL_PART = 64;
const MAX_ADDRESS = 254;

/**
 * Trims and lowercases an address (both halves), its domain in A-labels:
 * `Jörg@BÜCHER.test` and `jörg@xn--bcher-kva.test` are one address (IDNA,
 * RFC 5890 2.3.2.1). Lookups compare normalized addresses.
 */
export function normalizeAddress(address: string): string {
  const trimmed = address.trim();
  const at = trimmed.lastIndexOf("@");
  if (at < 0) return trimmed.toLowerCase();
  return `${trimmed.slice(0, at).toLowerCase()}@${normalizeDomain(trimmed.slice(at + 1))}`;
}

/**
 * A domain lowercased and in A-labels (`BÜCHER.test` -> `xn--bcher-kva.test`),
 * the one spelling domains are compared in. A name IDNA cannot convert is
 * only lowercased (it then matches nothing of ours).
 */
export function normalizeDomain(domain: string): string {
  const lower = domain.trim().toLowerCase();
  if (!/[^\x00-\x7f]/.test(lower)) return lower;
  return domainToASCII(lower) || lower;
}

/** Splits at the last `@`; null when there is none. */
export function splitAddress(address: string): { local: string; domain: string } | null {
  const at = address.lastIndexOf("@");
  if (at < 0) return null;
  return { local: address.slice(0, at), domain: address.slice(at + 1) };
}

/** Whether `domain` is a lowercase hostname (`example.com`, `localhost`); no trailing dot. */
export function isValidDomain(domain: string): boolean {
  return isHostname(domain) && domain === domain.toLowerCase();
}

/**
 * Whether `address` is a canonical account address: local part of
 * `[a-z0-9._+-]` without a leading, trailing or doubled dot, and a hostname.
 * Normalize first: `Bob@Example.COM` is not canonical, `bob@example.com` is.
 */
export function isValidAccountAddress(address: string): boolean {
  if (address.length > MAX_ADDRESS) return false;
  const parts = splitAddress(address);
  if (parts === null || parts.local.length > MAX_LOCAL_PART) return false;
  return LOCAL_PART.test(parts.local) && isValidDomain(parts.domain);
}

/**
 * Whether `address` is an acceptable normalized alias target: an account
 * address, or an address on another server with any RFC 5322 dot-atom local
 * part (`o'neil@example.org`).
 */
export function isValidTargetAddress(address: string): boolean {
  if (address.length > MAX_ADDRESS) return false;
  const parts = splitAddress(address);
  if (parts === null || parts.local.length > MAX_LOCAL_PART) return false;
  return REMOTE_LOCAL_PART.test(parts.local) && isValidDomain(parts.domain);
}
