/**
 * Networks in CIDR notation (`127.0.0.0/8`, `::1/128`) and the membership
 * test used to decide which clients may relay without AUTH.
 */

import { formatIp, parseIp } from "./ip.ts";

/** A network: its family, its address bytes (host bits cleared) and prefix length. */
export interface Cidr {
  family: 4 | 6;
  bytes: Uint8Array;
  prefix: number;
}

/**
 * Parses `address/prefix`; a bare address means a single host (/32 or /128).
 * Host bits below the prefix are cleared (`10.1.2.3/8` is `10.0.0.0/8`).
 * Throws an Error naming the text on a bad address or prefix.
 */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf("/");
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const ip = parseIp(addressText);
  if (ip === null || addressText.startsWith("[")) {
    throw new Error(`Invalid network "${text}": "${addressText}" is not an IP address`);
  }
  const maxPrefix = ip.family === 4 ? 32 : 128;
  let prefix = maxPrefix;
  if (slash >= 0) {
    const prefixText = text.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(prefixText) || Number(prefixText) > maxPrefix) {
      throw new Error(
        `Invalid network "${text}": prefix "${prefixText}" is not a number from 0 to ${maxPrefix}`,
      );
    }
    prefix = Number(prefixText);
  }
  const bytes = ip.bytes.slice();
  for (let bit = prefix; bit < bytes.length * 8; bit++) {
    const index = bit >> 3;
    bytes[index] = (bytes[index] ?? 0) & ~(0x80 >> (bit & 7));
  }
  return { family: ip.family, bytes, prefix };
}

/** Formats a network as `address/prefix`, the form {@link parseCidr} reads back. */
export function formatCidr(cidr: Cidr): string {
  return `${formatIp(cidr.bytes)}/${cidr.prefix}`;
}

/** True if the first `prefix` bits of `a` and `b` are equal. */
function prefixMatches(a: Uint8Array, b: Uint8Array, prefix: number): boolean {
  const fullBytes = prefix >> 3;
  for (let i = 0; i < fullBytes; i++) {
    if (a[i] !== b[i]) return false;
  }
  const restBits = prefix & 7;
  if (restBits === 0) return true;
  const mask = (0xff << (8 - restBits)) & 0xff;
  return ((a[fullBytes] ?? 0) & mask) === ((b[fullBytes] ?? 0) & mask);
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`), or null. */
function unmapIpv4(bytes: Uint8Array): Uint8Array | null {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return null;
  if (bytes[10] !== 0xff || bytes[11] !== 0xff) return null;
  return bytes.slice(12);
}

/** The IPv4-mapped IPv6 form (`::ffff:a.b.c.d`) of an IPv4 address. */
function mapIpv4(bytes: Uint8Array): Uint8Array {
  const mapped = new Uint8Array(16);
  mapped[10] = 0xff;
  mapped[11] = 0xff;
  mapped.set(bytes, 12);
  return mapped;
}

/**
 * True if `ip` lies in any of `networks`. An IPv4-mapped IPv6 address
 * (`::ffff:127.0.0.1`, as a dual-stack socket reports IPv4 peers) also
 * matches IPv4 networks, and an IPv4 address matches networks inside
 * `::ffff:0:0/96` through its mapped form (but not `::/0`). Brackets and zones are ignored; text that is not an IP
 * address matches nothing.
 */
export function ipInNetworks(ip: string, networks: readonly Cidr[]): boolean {
  const parsed = parseIp(ip);
  if (parsed === null) return false;
  // Each other-family form is made only when a network of that family asks for it.
  let v4: Uint8Array | null | undefined = parsed.family === 4 ? parsed.bytes : undefined;
  let v6: Uint8Array | undefined = parsed.family === 6 ? parsed.bytes : undefined;
  for (const network of networks) {
    if (parsed.family === 4 && network.family === 6 && network.prefix < 96) continue;
    const candidate = network.family === 4
      ? v4 === undefined ? (v4 = unmapIpv4(parsed.bytes)) : v4
      : v6 ??= mapIpv4(parsed.bytes);
    if (candidate !== null && prefixMatches(candidate, network.bytes, network.prefix)) return true;
  }
  return false;
}
