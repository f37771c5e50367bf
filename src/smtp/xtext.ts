/**
 * xtext (RFC 3461 4): the encoding of ENVID and ORCPT values (and AUTH=,
 * RFC 4954 5). A character from "!" to "~" other than "+" and "=" stands for
 * itself; any octet may be written "+" and two upper-case hex digits. Pure.
 */

const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** One xchar or hexchar, nothing else (RFC 3461 4: hex digits upper case only). */
const XTEXT = /^(?:[\x21-\x2a\x2c-\x3c\x3e-\x7e]|\+[0-9A-F]{2})*$/;

/** Whether `text` is well-formed xtext. */
export function isXtext(text: string): boolean {
  return XTEXT.test(text);
}

/**
 * Decodes xtext; null when it is not xtext (a "+" without two upper-case hex
 * digits, "=", a space, a control or any character past "~") or when the
 * octets it spells are not UTF-8.
 */
export function decodeXtext(text: string): string | null {
  if (!XTEXT.test(text)) return null;
  if (!text.includes("+")) return text;
  const octets: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "+") {
      octets.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else octets.push(text.charCodeAt(i));
  }
  try {
    return strictUtf8.decode(new Uint8Array(octets));
  } catch {
    return null;
  }
}

/** Encodes `text` (as UTF-8 octets) as xtext: "+", "=" and anything outside "!".."~" as "+HH". */
export function encodeXtext(text: string): string {
  let out = "";
  for (const octet of encoder.encode(text)) {
    const isXchar = octet >= 0x21 && octet <= 0x7e && octet !== 0x2b && octet !== 0x3d;
    out += isXchar
      ? String.fromCharCode(octet)
      : `+${octet.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}
