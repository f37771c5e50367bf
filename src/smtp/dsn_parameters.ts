/**
 * The DSN extension's parameters (RFC 3461 4): RET and ENVID on MAIL, NOTIFY
 * and ORCPT on RCPT. Pure checks that return the value to keep or an error
 * text for a 501; and the forms the values take in a notice and on the way
 * to the next hop. ENVID and ORCPT are kept as the client wrote them (xtext),
 * so they are passed on identical (RFC 3461 5.2.1 (a), (d)).
 */
import { decodeXtext, encodeXtext } from "./xtext.ts";

/** A NOTIFY keyword (RFC 3461 4.1). */
export type NotifyWord = "NEVER" | "SUCCESS" | "FAILURE" | "DELAY";

/** RET=FULL or RET=HDRS (RFC 3461 4.3). */
export type DsnReturn = "FULL" | "HDRS";

/** What one recipient asked for, as kept in the envelope. */
export interface RecipientDsn {
  /** Upper-cased: ["NEVER"], or SUCCESS, FAILURE and DELAY in any order. */
  readonly notify?: readonly NotifyWord[];
  /** The ORCPT value as given: `addr-type;xtext`. */
  readonly orcpt?: string;
}

/** RFC 3461 4.4 and 4.2: the longest ENVID and ORCPT values. */
export const MAX_ENVID_CHARS = 100;
export const MAX_ORCPT_CHARS = 500;

type Checked<T> = T | { error: string };

/** RFC 3461 4.4 and 4.2: a decoded ENVID or ORCPT is printable US-ASCII (graphic and space). */
const PRINTABLE = /^[\x20-\x7e]+$/;
/**
 * A decoded ORCPT as peers send it: printable US-ASCII, or UTF-8 text without
 * controls. Postfix writes the address of an internationalised recipient as
 * `rfc822;` and its UTF-8 octets in xtext (`joerg@b+C3+BCcher.test`) on every
 * RCPT it relays, where RFC 6533 3 has a `utf-8` address; refusing it refused
 * all such mail from Postfix.
 */
const PRINTABLE_OR_UTF8 = /^[\x20-\x7e\u{a0}-\u{10FFFF}]+$/u;
/** An addr-type is an atom (RFC 3461 4.2). */
const ADDR_TYPE = /^[A-Za-z0-9!#$%&'*/?^_`{|}~-]+$/;
/**
 * RFC 6533 3: utf-8-addr-xtext (QCHAR and \x{HEXPOINT}) and, in an SMTPUTF8
 * transaction, utf-8-addr-unitext (UTF-8 characters themselves too).
 */
const UTF8_ADDR =
  /^(?:[\x21-\x2a\x2c-\x3c\x3e-\x5b\x5d-\x7e]|[\u{80}-\u{10FFFF}]|\\x\{[0-9A-F]{2,6}\})+$/u;
const EMBEDDED = /\\x\{([0-9A-F]{2,6})\}/g;

/** RET=FULL|HDRS, any case. */
export function parseRet(value: string | null): Checked<DsnReturn> {
  const ret = value?.toUpperCase();
  if (ret === "FULL" || ret === "HDRS") return ret;
  return { error: "RET needs FULL or HDRS" };
}

/** ENVID=xtext, at most 100 characters, printable US-ASCII once decoded. */
export function parseEnvid(value: string | null): Checked<string> {
  if (value === null) return { error: "ENVID needs a value" };
  if (value.length > MAX_ENVID_CHARS) {
    return { error: `ENVID is longer than ${MAX_ENVID_CHARS} characters` };
  }
  const decoded = decodeXtext(value);
  if (decoded === null) return { error: "ENVID is not xtext (RFC 3461 4)" };
  if (!PRINTABLE.test(decoded)) return { error: "ENVID holds characters that are not printable" };
  return value;
}

/** NOTIFY=NEVER or a comma list of SUCCESS, FAILURE, DELAY (RFC 3461 4.1), any case. */
export function parseNotify(value: string | null): Checked<NotifyWord[]> {
  const error = { error: "NOTIFY needs NEVER, or SUCCESS, FAILURE and DELAY separated by commas" };
  if (value === null) return error;
  const words = value.toUpperCase().split(",");
  const seen = new Set<string>();
  for (const word of words) {
    if (word !== "NEVER" && word !== "SUCCESS" && word !== "FAILURE" && word !== "DELAY") {
      return error;
    }
    if (seen.has(word)) return { error: `NOTIFY names ${word} twice` };
    seen.add(word);
  }
  if (seen.has("NEVER") && words.length > 1) return { error: "NOTIFY=NEVER must stand alone" };
  return words as NotifyWord[];
}

/**
 * ORCPT=addr-type;xtext, at most 500 characters (RFC 3461 4.2). A `utf-8`
 * address (RFC 6533 3) is taken in its 7-bit form always, and with UTF-8
 * characters themselves only in an SMTPUTF8 transaction.
 */
export function parseOrcpt(
  value: string | null,
  options: { isSmtputf8: boolean },
): Checked<string> {
  if (value === null) return { error: "ORCPT needs addr-type;address" };
  if (value.length > MAX_ORCPT_CHARS) {
    return { error: `ORCPT is longer than ${MAX_ORCPT_CHARS} characters` };
  }
  const semicolon = value.indexOf(";");
  const type = value.slice(0, Math.max(semicolon, 0));
  const address = value.slice(semicolon + 1);
  if (semicolon <= 0 || !ADDR_TYPE.test(type) || address === "") {
    return { error: "ORCPT needs addr-type;address" };
  }
  if (type.toLowerCase() === "utf-8") {
    if (!UTF8_ADDR.test(address) || !hasValidHexPoints(address)) {
      return { error: "ORCPT utf-8 address is malformed (RFC 6533 3)" };
    }
    if (/[^\x00-\x7f]/.test(address) && !options.isSmtputf8) {
      return {
        error: "ORCPT with UTF-8 characters needs SMTPUTF8 on MAIL (or write them as \\x{HEX})",
      };
    }
    return value;
  }
  if (/[^\x00-\x7f]/.test(address)) return { error: "ORCPT is not xtext (RFC 3461 4)" };
  const decoded = decodeXtext(address);
  if (decoded === null) return { error: "ORCPT is not xtext (RFC 3461 4)" };
  if (!PRINTABLE_OR_UTF8.test(decoded)) {
    return { error: "ORCPT holds characters that are not printable" };
  }
  return value;
}

/**
 * RFC 6533 3 HEXPOINT: an xtext special (controls, space, "+", "=", "\",
 * DEL) or a code point past ASCII, no surrogate, at most U+10FFFF.
 */
function hasValidHexPoints(address: string): boolean {
  for (const match of address.matchAll(EMBEDDED)) {
    const code = parseInt(match[1]!, 16);
    const isSpecial = (code > 0 && code <= 0x20) || code === 0x2b || code === 0x3d ||
      code === 0x5c || code === 0x7f;
    const isBeyondAscii = code >= 0x80 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff);
    if (!isSpecial && !isBeyondAscii) return false;
  }
  return true;
}

/** The ORCPT a relaying MTA adds for an address the client gave (RFC 3461 5.2.1 (d)). */
export function orcptOf(address: string): string {
  if (/^[\x00-\x7f]*$/.test(address)) return `rfc822;${encodeXtext(address)}`;
  return `utf-8;${toUtf8AddrXtext(address)}`;
}

/** RFC 6533 3: what is no QCHAR (UTF-8, controls, space, "+", "=", "\") as \x{HEX}: 7-bit. */
function toUtf8AddrXtext(address: string): string {
  return address.replace(
    /[^\x21-\x2a\x2c-\x3c\x3e-\x5b\x5d-\x7e]/gu,
    (ch) => `\\x{${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(2, "0")}}`,
  );
}

/**
 * An ORCPT as the next hop gets it: as given, but a utf-8 address with UTF-8
 * characters in the 7-bit form for a hop without SMTPUTF8 (RFC 6533 3).
 */
export function orcptForPeer(orcpt: string, options: { hasSmtputf8: boolean }): string {
  if (options.hasSmtputf8 || /^[\x00-\x7f]*$/.test(orcpt)) return orcpt;
  const semicolon = orcpt.indexOf(";");
  return orcpt.slice(0, semicolon + 1) + utf8ToEmbedded(orcpt.slice(semicolon + 1));
}

function utf8ToEmbedded(text: string): string {
  return text.replace(
    /[\u{80}-\u{10FFFF}]/gu,
    (ch) => `\\x{${ch.codePointAt(0)!.toString(16).toUpperCase()}}`,
  );
}

/**
 * The Original-Recipient field's value (RFC 3464 2.3.1, RFC 3461 6.3 (d)):
 * `addr-type; address` with the xtext decoded; a utf-8 address in its 7-bit
 * form, as a message/delivery-status part is 7-bit (RFC 6533 3), and so is
 * another type's address whose xtext spelled UTF-8 (then typed `utf-8`).
 */
export function originalRecipientField(orcpt: string): string {
  const semicolon = orcpt.indexOf(";");
  const type = orcpt.slice(0, semicolon);
  const address = orcpt.slice(semicolon + 1);
  if (type.toLowerCase() === "utf-8") return `${type}; ${utf8ToEmbedded(address)}`;
  const decoded = decodeXtext(address) ?? address;
  if (/[^\x00-\x7f]/.test(decoded)) return `utf-8; ${toUtf8AddrXtext(decoded)}`;
  return `${type}; ${decoded}`;
}

/** The Original-Envelope-Id field's value: the ENVID with its xtext decoded (RFC 3461 6.3 (a)). */
export function envelopeIdField(envid: string): string {
  return decodeXtext(envid) ?? envid;
}
