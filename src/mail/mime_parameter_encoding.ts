/**
 * 8-bit MIME parameter values (a UTF-8 attachment name, say) in their 7-bit
 * form, RFC 2231: `filename*=utf-8''%E2%82%AC.txt`, split into numbered
 * sections (`filename*0*=...; filename*1*=...`) when long (RFC 2231 3, 4).
 * Encoded words are not allowed inside a parameter value (RFC 2047 5), so
 * this is the one standard way to keep such a name for a 7-bit peer.
 *
 * Only Content-Type and Content-Disposition values are handled; 8-bit bytes
 * anywhere but in a parameter value, or a value that is not UTF-8, cannot
 * be encoded safely and throw `HeaderEncodingError`. Binary strings in and
 * out (one character per byte).
 */
import { HeaderEncodingError } from "./address_field_encoding.ts";
import { isUtf8Binary } from "./encoded_word_writer.ts";
import type { FieldPiece } from "./encoded_word_writer.ts";

const HAS_8BIT = /[\x80-\xff]/;
/** RFC 2231 attribute-char: a token character other than "*", "'" and "%". */
const ATTRIBUTE_CHAR = /^[!#$&+\-.0-9A-Z^_`a-z{|}~]$/;
/** A folded line: one space, the section, its ";" (RFC 5322 2.1.1: 78 characters). */
const LINE_CHARS = 78;

/**
 * The pieces (for `foldField`) of the 7-bit form of a Content-Type or
 * Content-Disposition value whose 8-bit parameter values become RFC 2231
 * extended values; parameters without 8-bit bytes stay as they are.
 */
export function encodeMimeParameters(value: string, label: string): FieldPiece[] {
  const [head, ...params] = splitTopLevel(value, label);
  if (head === undefined || HAS_8BIT.test(head)) {
    throw new HeaderEncodingError(`${label}: 8-bit text outside a parameter value`);
  }
  const parts = [head.trim(), ...params.flatMap((param) => encodeParameter(param.trim(), label))];
  return parts.map((text, i) => ({ space: " ", text: i < parts.length - 1 ? text + ";" : text }));
}

/** One `name=value` parameter -> its sections, extended when the value holds 8-bit bytes. */
function encodeParameter(original: string, label: string): string[] {
  if (!HAS_8BIT.test(original)) return original === "" ? [] : [original];
  // Comments mean nothing (RFC 2045 5.1 allows them around a value): they are
  // dropped here rather than read as part of the value.
  const param = withoutComments(original).trim();
  if (!HAS_8BIT.test(param)) return param === "" ? [] : [param];
  const equals = param.indexOf("=");
  const name = equals > 0 ? param.slice(0, equals).trim() : "";
  if (name === "" || HAS_8BIT.test(name) || name.includes("*")) {
    throw new HeaderEncodingError(`${label}: an 8-bit parameter that cannot be encoded`);
  }
  const raw = param.slice(equals + 1).trim();
  const text = raw.startsWith('"') ? unquote(raw, label) : raw;
  if (!isUtf8Binary(text)) {
    throw new HeaderEncodingError(`${label}: parameter ${name} is 8-bit but not UTF-8`);
  }
  const encoded = percentEncode(text);
  const whole = `${name}*=utf-8''${encoded}`;
  if (whole.length + 2 <= LINE_CHARS) return [whole];
  const out: string[] = [];
  for (let start = 0; start < encoded.length;) {
    const prefix = out.length === 0 ? `${name}*0*=utf-8''` : `${name}*${out.length}*=`;
    const end = sectionEnd(encoded, start, LINE_CHARS - 2 - prefix.length);
    out.push(prefix + encoded.slice(start, end));
    start = end;
  }
  return out;
}

/** Bytes outside attribute-char become %XX (RFC 2231 7, ext-octet). */
function percentEncode(binary: string): string {
  let out = "";
  for (const char of binary) {
    out += ATTRIBUTE_CHAR.test(char)
      ? char
      : "%" + char.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** Where a section of at most `maxChars` starting at `start` ends, never inside a %XX. */
function sectionEnd(encoded: string, start: number, maxChars: number): number {
  const end = Math.min(encoded.length, start + Math.max(maxChars, 3));
  if (end < encoded.length && encoded[end - 1] === "%") return end - 1;
  if (end < encoded.length && encoded[end - 2] === "%") return end - 2;
  return end;
}

/** The content of a quoted-string (its quoted-pairs resolved). */
function unquote(raw: string, label: string): string {
  if (raw.length < 2 || !raw.endsWith('"')) {
    throw new HeaderEncodingError(`${label}: an unterminated quoted parameter`);
  }
  return raw.slice(1, -1).replace(/\\([\s\S])/g, "$1");
}

/**
 * `text` without its comments (outside quoted strings, nested, with
 * quoted-pairs), each turned into a space: parentheses inside a quoted
 * string are content (`boundary="=_(1)_="`).
 */
export function withoutComments(text: string): string {
  let out = "";
  let isQuoted = false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (depth > 0) {
      if (char === "\\") i++;
      else if (char === "(") depth++;
      else if (char === ")") depth--;
      if (depth === 0) out += " ";
      continue;
    }
    if (char === "(" && !isQuoted) {
      depth = 1;
      continue;
    }
    out += char;
    if (char === "\\" && isQuoted) out += text[++i] ?? "";
    else if (char === '"') isQuoted = !isQuoted;
  }
  return out;
}

/** Splits at ";" outside quoted strings and comments. */
function splitTopLevel(value: string, label: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let isQuoted = false;
  let depth = 0;
  for (let i = 0; i < value.length; i++) {
    const char = value[i];
    if (char === "\\" && (isQuoted || depth > 0)) i++;
    else if (isQuoted) isQuoted = char !== '"';
    else if (char === '"' && depth === 0) isQuoted = true;
    else if (char === "(") depth++;
    else if (char === ")" && depth > 0) depth--;
    else if (char === ";" && depth === 0) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  if (isQuoted || depth > 0) {
    throw new HeaderEncodingError(`${label}: unterminated quote or comment`);
  }
  parts.push(value.slice(start));
  return parts;
}
