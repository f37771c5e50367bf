/**
 * Envelope address parsing per RFC 5321 4.1.2 (with RFC 6531 UTF-8), pure.
 *
 * Source routes ("<@relay:user@host>") are accepted and dropped, as RFC 5321
 * C allows: only the final mailbox counts, so they can never cause relaying.
 * The percent hack and bang paths are just characters in a local part.
 */

import { domainToASCII } from "node:url";
import { utf8Length } from "./utf8_length.ts";

/** A parsed mailbox: local part as it must be written on the wire, lower-cased domain. */
export interface Mailbox {
  /** Local part in canonical form: unquoted when it is a dot-string, quoted otherwise. */
  readonly local: string;
  /** Domain lower-cased, or an address literal such as "[192.0.2.1]". */
  readonly domain: string;
  /** `local@domain`, ready for the wire and the envelope. */
  readonly address: string;
  /** True when local part or domain holds non-ASCII characters (needs SMTPUTF8). */
  readonly isUtf8: boolean;
}

/** The result of parsing a path: the null path "<>" or a mailbox. */
export type ParsedPath = { kind: "null" } | { kind: "mailbox"; mailbox: Mailbox };

const MAX_LOCAL_OCTETS = 64;
const MAX_DOMAIN_OCTETS = 255;
const MAX_PATH_OCTETS = 256;

const ATEXT = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\u{10FFFF}]+$/u;
const SUBDOMAIN =
  /^[A-Za-z0-9\u0080-\u{10FFFF}]([A-Za-z0-9\u0080-\u{10FFFF}-]*[A-Za-z0-9\u0080-\u{10FFFF}])?$/u;

/** True for a dot-string local part: atoms joined by single dots. */
function isDotString(text: string): boolean {
  return text.split(".").every((atom) => ATEXT.test(atom));
}

const HOSTNAME_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/**
 * Whether `text` is an LDH host name (`localhost`, `mail.example.com`): labels
 * of letters, digits and inner hyphens, any case, no trailing dot, at most 253
 * characters. Stricter than {@link parseDomain}: no UTF-8. The one rule for
 * configured domains and account domains.
 */
export function isHostname(text: string): boolean {
  if (text.length === 0 || text.length > 253) return false;
  return text.split(".").every((label) => HOSTNAME_LABEL.test(label));
}

/**
 * A configured host name as DNS and the wire know it: Unicode labels turned
 * into A-labels (`mx.bücher.test` -> `mx.xn--bcher-kva.test`, RFC 5891 4),
 * ASCII names as written. Null when the result is not a valid
 * {@link isHostname} name.
 */
export function asciiHostname(text: string): string | null {
  const ascii = /[^\x00-\x7f]/.test(text) ? domainToASCII(text) : text;
  return isHostname(ascii) ? ascii : null;
}

/**
 * Parses a domain name (RFC 5321 Domain); returns it lower-cased or null. A
 * domain with U-labels must have an A-label form (RFC 5890 2.3.2.1, RFC 5891
 * 4.2): one IDNA converts, whose labels fit in 63 octets, since that is the
 * name DNS is asked for.
 */
export function parseDomain(text: string): string | null {
  if (text === "" || utf8Length(text) > MAX_DOMAIN_OCTETS) return null;
  const labels = text.split(".");
  if (!labels.every((label) => SUBDOMAIN.test(label) && utf8Length(label) <= 63)) return null;
  if (/[^\x00-\x7f]/.test(text) && !hasALabelForm(text)) return null;
  return text.toLowerCase();
}

/**
 * Whether IDNA turns `domain` into an LDH name ({@link isHostname}: labels up
 * to 63 octets, 253 in all). UTS 46 maps some characters to ASCII that is not
 * LDH (U+00A0 to a space, U+203C to "!!"): no U-label has them (RFC 5891
 * 4.2.3), and DNS cannot be asked for the result.
 */
export function hasALabelForm(domain: string): boolean {
  return isHostname(domainToASCII(domain));
}

/** Parses an address literal "[1.2.3.4]" or "[IPv6:...]"; returns it normalised or null. */
export function parseAddressLiteral(text: string): string | null {
  if (!text.startsWith("[") || !text.endsWith("]")) return null;
  const inner = text.slice(1, -1);
  if (isIpv4(inner)) return text;
  if (/^ipv6:/i.test(inner)) {
    const v6 = inner.slice(5);
    if (isIpv6(v6)) return `[IPv6:${v6.toLowerCase()}]`;
  }
  return null;
}

function isIpv4(text: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(text) &&
    text.split(".").every((part) => Number(part) <= 255);
}

/**
 * RFC 5321 4.1.3 IPv6-addr: 8 groups, or at most 6 around one "::" ("no more than
 * 6 groups in addition to the '::'"); an IPv4 tail counts as 2, which leaves the
 * IPv6v4-comp form its "no more than 4 groups". Stricter than RFC 4291, where "::"
 * may stand for a single zero group: the SMTP grammar says at least two.
 */
function isIpv6(text: string): boolean {
  const halves = text.split("::");
  if (halves.length > 2) return false;
  let groups = 0;
  for (const [i, half] of halves.entries()) {
    if (half === "") continue;
    const parts = half.split(":");
    for (const [j, part] of parts.entries()) {
      const isTail = i === halves.length - 1 && j === parts.length - 1;
      if (isTail && isIpv4(part)) groups += 2;
      else if (/^[0-9A-Fa-f]{1,4}$/.test(part)) groups += 1;
      else return false;
    }
  }
  return halves.length === 1 ? groups === 8 : groups <= 6;
}

/** Splits a mailbox at its last "@" outside quotes. */
function splitMailbox(text: string): { local: string; domain: string } | null {
  let inQuotes = false;
  let at = -1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inQuotes && ch === "\\") {
      i++;
      continue;
    }
    if (ch === '"') inQuotes = !inQuotes;
    else if (ch === "@" && !inQuotes) at = i;
  }
  if (inQuotes || at <= 0) return null;
  return { local: text.slice(0, at), domain: text.slice(at + 1) };
}

/** Parses a local part; returns its canonical form or an error. */
function parseLocalPart(text: string): string | { error: string } {
  if (isDotString(text)) return text;
  if (!text.startsWith('"') || !text.endsWith('"') || text.length < 2) {
    return { error: "invalid local part" };
  }
  let value = "";
  for (let i = 1; i < text.length - 1; i++) {
    const code = text.charCodeAt(i);
    if (code === 92) {
      const next = text.charCodeAt(i + 1);
      if (i + 1 >= text.length - 1 || next < 32 || next > 126) {
        return { error: "invalid quoted pair" };
      }
      value += text[i + 1];
      i++;
    } else if ((code >= 32 && code <= 126 && code !== 34) || code >= 128) {
      value += text[i];
    } else {
      return { error: "invalid character in quoted local part" };
    }
  }
  if (value !== "" && isDotString(value)) return value;
  return '"' + value.replace(/(["\\])/g, "\\$1") + '"';
}

/** Parses a bare mailbox "local@domain" (no angle brackets). */
export function parseMailbox(text: string): Mailbox | { error: string } {
  if (/[\x00-\x1f\x7f]/.test(text)) return { error: "control character in address" };
  const parts = splitMailbox(text);
  if (!parts) return { error: "address must be local@domain" };
  const local = parseLocalPart(parts.local);
  if (typeof local !== "string") return local;
  if (utf8Length(local) > MAX_LOCAL_OCTETS) return { error: "local part too long" };
  const domain = parts.domain.startsWith("[")
    ? parseAddressLiteral(parts.domain)
    : parseDomain(parts.domain);
  if (domain === null) return { error: `invalid domain "${parts.domain.slice(0, 64)}"` };
  const address = `${local}@${domain}`;
  return { local, domain, address, isUtf8: /[^\x00-\x7f]/.test(address) };
}

/**
 * Parses a path with its angle brackets: "<>" (when allowed), "<user@host>",
 * or "<@a,@b:user@host>" (route dropped).
 */
export function parsePath(
  text: string,
  options: { allowNull: boolean },
): ParsedPath | { error: string } {
  // RFC 5321 4.5.3.1.3: the 256 octets include the angle brackets.
  if (utf8Length(text) > MAX_PATH_OCTETS) return { error: "path too long" };
  if (!text.startsWith("<") || !text.endsWith(">")) return { error: "address must be in <>" };
  let inner = text.slice(1, -1);
  if (inner === "") {
    return options.allowNull ? { kind: "null" } : { error: "null path not allowed here" };
  }
  if (inner.startsWith("@")) {
    const colon = inner.indexOf(":");
    if (colon < 0) return { error: "invalid source route" };
    const hops = inner.slice(0, colon).split(",");
    if (!hops.every((hop) => hop.startsWith("@") && parseDomain(hop.slice(1)) !== null)) {
      return { error: "invalid source route" };
    }
    inner = inner.slice(colon + 1);
  }
  const mailbox = parseMailbox(inner);
  if ("error" in mailbox) return mailbox;
  return { kind: "mailbox", mailbox };
}
