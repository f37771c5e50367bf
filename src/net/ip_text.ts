/** One spelling of an IP address for comparing and logging. */
import { formatIp, parseIp } from "../config/mod.ts";

/**
 * Lower case, without brackets, a zone or an IPv4-mapped IPv6 prefix, IPv6 in
 * RFC 5952 form: "[::FFFF:127.0.0.1]", "::ffff:7f00:1" -> "127.0.0.1",
 * "0:0:0:0:0:0:0:1" -> "::1". Text that is no IP address (a host name) is
 * only lower-cased and unbracketed.
 */
export function normaliseIp(address: string): string {
  const ip = parseIp(address);
  if (ip === null) return address.toLowerCase().replace(/^\[|\]$/g, "");
  const isMapped = ip.family === 6 && ip.bytes.subarray(0, 10).every((byte) => byte === 0) &&
    ip.bytes[10] === 0xff && ip.bytes[11] === 0xff;
  return formatIp(isMapped ? ip.bytes.subarray(12) : ip.bytes);
}
