/** One spelling of an IP address for comparing and logging. */
import { canonicalIp } from "../config/mod.ts";

const PLAIN_IPV4 =
  /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/**
 * Lower case, without brackets, a zone or an IPv4-mapped IPv6 prefix, IPv6 in
 * RFC 5952 form: "[::FFFF:127.0.0.1]", "::ffff:7f00:1" -> "127.0.0.1",
 * "0:0:0:0:0:0:0:1" -> "::1". Text that is no IP address (a host name) is
 * only lower-cased and unbracketed.
 */
export function normaliseIp(address: string): string {
  // Every connection's peer comes here: a socket's IPv4 text is already in its one spelling.
  if (PLAIN_IPV4.test(address)) return address;
  return canonicalIp(address) ?? address.toLowerCase().replace(/^\[|\]$/g, "");
}

/**
 * The key a client address is counted under (logins, connections): IPv4 as is (also when IPv4-mapped),
 * IPv6 by its /64 prefix, anything unparsable as given.
 */
export function clientKey(ip: string): string {
  const address = ip.trim().toLowerCase().replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (mapped?.[1] !== undefined) return mapped[1];
  if (!address.includes(":")) return address;
  const halves = address.split("::");
  if (halves.length > 2) return address;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return address;
  const groups = [...head, ...Array<string>(halves.length === 1 ? 0 : missing).fill("0"), ...tail];
  if (!groups.every((group) => /^[0-9a-f]{1,4}$/.test(group))) return address;
  return groups.slice(0, 4).map((group) => parseInt(group, 16).toString(16)).join(":") + "::/64";
}
