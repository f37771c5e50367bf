/**
 * IP address literals as bytes: strict IPv4 dotted quads and RFC 4291 IPv6
 * text (with `::` and an embedded IPv4 tail), plus the canonical RFC 5952
 * spelling used when a configuration is printed.
 */

/** An IP address as 4 (IPv4) or 16 (IPv6) bytes. */
export interface IpBytes {
  family: 4 | 6;
  bytes: Uint8Array;
}

const DOT = 46;
const DIGIT_0 = 48;

/**
 * Parses `a.b.c.d` (decimal, no leading zeros) into 4 bytes, or returns null.
 * Read a character at a time: every connection's peer address comes here
 * (is it in the relay networks?), and splitting it and testing each part
 * with a regular expression cost ~6 us of a 1-message session.
 */
export function parseIpv4(text: string): Uint8Array | null {
  const bytes = new Uint8Array(4);
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const code = i < text.length ? text.charCodeAt(i) : DOT;
    if (code === DOT) {
      if (digits === 0 || part > 3) return null;
      bytes[part++] = value;
      value = 0;
      digits = 0;
      continue;
    }
    const digit = code - DIGIT_0;
    // A leading zero only as the whole part ("0", not "01"); at most three digits, up to 255.
    if (digit < 0 || digit > 9 || (digits === 1 && value === 0) || digits === 3) return null;
    value = value * 10 + digit;
    if (value > 255) return null;
    digits++;
  }
  return part === 4 ? bytes : null;
}

/** Parses IPv6 text (`::1`, `fe80::1`, `::ffff:127.0.0.1`) into 16 bytes, or returns null. */
export function parseIpv6(text: string): Uint8Array | null {
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const head = parseGroups(halves[0] ?? "", halves.length === 1);
  const tail = halves.length === 2 ? parseGroups(halves[1] ?? "", true) : [];
  if (head === null || tail === null) return null;
  const total = head.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return null;
  const groups = [...head, ...new Array<number>(8 - total).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  for (const [i, group] of groups.entries()) {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  }
  return bytes;
}

/** Parses one colon-separated run of groups; an IPv4 tail is allowed at the end. */
function parseGroups(text: string, mayEndWithIpv4: boolean): number[] | null {
  if (text === "") return [];
  const parts = text.split(":");
  const groups: number[] = [];
  for (const [i, part] of parts.entries()) {
    const isLast = i === parts.length - 1;
    if (isLast && mayEndWithIpv4 && part.includes(".")) {
      const v4 = parseIpv4(part);
      if (v4 === null) return null;
      groups.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return null;
    groups.push(parseInt(part, 16));
  }
  return groups;
}

/**
 * Parses an IPv4 or IPv6 literal. Brackets (`[::1]`) and an IPv6 zone
 * (`fe80::1%eth0`) are removed first. Returns null for anything else.
 */
export function parseIp(text: string): IpBytes | null {
  let bare = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  if (bare.includes(":")) {
    const zone = bare.indexOf("%");
    if (zone > 0) bare = bare.slice(0, zone);
    const bytes = parseIpv6(bare);
    return bytes === null ? null : { family: 6, bytes };
  }
  const bytes = parseIpv4(bare);
  return bytes === null ? null : { family: 4, bytes };
}

/** True if `text` is an IPv4 or IPv6 literal. */
export function isIpLiteral(text: string): boolean {
  return parseIp(text) !== null;
}

/** Formats 4 or 16 bytes; IPv6 in RFC 5952 form (lowercase, longest zero run as `::`). */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join(".");
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === 0) length++;
    if (length > bestLength) [bestStart, bestLength] = [start, length];
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(":");
  const head = hex.slice(0, bestStart).join(":");
  const tail = hex.slice(bestStart + bestLength).join(":");
  return `${head}::${tail}`;
}

/**
 * One spelling per address, for comparing: an IPv4-mapped IPv6 address
 * (`::ffff:127.0.0.1`, `::ffff:7f00:1`) as its IPv4 address, since a socket
 * bound or connected to it is that IPv4 address; IPv6 in RFC 5952 form.
 * Null when `text` is no IP address.
 */
export function canonicalIp(text: string): string | null {
  const ip = parseIp(text);
  if (ip === null) return null;
  const isMapped = ip.family === 6 && ip.bytes.subarray(0, 10).every((byte) => byte === 0) &&
    ip.bytes[10] === 0xff && ip.bytes[11] === 0xff;
  return formatIp(isMapped ? ip.bytes.subarray(12) : ip.bytes);
}
