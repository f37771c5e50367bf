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
