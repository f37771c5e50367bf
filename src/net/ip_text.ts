/** One spelling of an IP address for comparing and logging. */

/** Lower case, without brackets or an IPv4-mapped IPv6 prefix: "[::FFFF:127.0.0.1]" -> "127.0.0.1". */
export function normaliseIp(address: string): string {
  return address.toLowerCase().replace(/^\[|\]$/g, "").replace(/^::ffff:(?=\d+\.)/, "");
}
