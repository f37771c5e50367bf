/**
 * Making a header section 7-bit for a peer that cannot take raw 8-bit or
 * UTF-8 header text (no SMTPUTF8: RFC 6532 3, RFC 6531 3.2; no 8BITMIME
 * either: RFC 6152 3). Pure; binary strings in and out.
 *
 * Field by field, and only fields that hold 8-bit bytes are rewritten (the
 * others stay byte for byte):
 * - address fields (From, To, Cc, Reply-To, ...): see
 *   `encodeAddressField` (display names and comments as encoded words,
 *   domains as A-labels, an 8-bit local part refused);
 * - Content-Type and Content-Disposition: 8-bit parameter values (file
 *   names) become RFC 2231 extended values (`mime_parameter_encoding.ts`);
 * - fields whose syntax gives the text a meaning encoded words would
 *   change (message identifiers, Date, other MIME structure fields,
 *   signatures): refused;
 * - every other field (Subject, Comments, Content-Description, extension
 *   fields, trace text): unstructured text (RFC 5322 3.6.5, 3.6.8), so its
 *   8-bit words become RFC 2047 encoded words (RFC 2047 5(1)).
 * Rewritten fields are folded at 78 characters where whitespace allows.
 */
import { ADDRESS_FIELDS } from "./address_fields.ts";
import { encodeAddressField, HeaderEncodingError } from "./address_field_encoding.ts";
import { encodeWords, type FieldPiece, foldField } from "./encoded_word_writer.ts";
import { encodeMimeParameters } from "./mime_parameter_encoding.ts";

export { HeaderEncodingError };

const HAS_8BIT = /[\x80-\xff]/;

/** Address fields, and others that hold addresses by custom (encoded as addresses). */
const ENCODED_AS_ADDRESSES = new Set([
  ...ADDRESS_FIELDS,
  "resent-reply-to",
  "return-path",
  "delivered-to",
  "disposition-notification-to",
  "return-receipt-to",
  "errors-to",
  "mail-followup-to",
  "mail-reply-to",
]);

/** Fields whose 8-bit parameter values have an RFC 2231 form. */
const MIME_PARAMETER_FIELDS = new Set(["content-type", "content-disposition"]);

/** Structured fields where encoded words are not allowed or would change the meaning. */
const REFUSED_FIELDS = new Set([
  "date",
  "resent-date",
  "message-id",
  "resent-message-id",
  "in-reply-to",
  "references",
  "mime-version",
  "content-transfer-encoding",
  "content-id",
  "content-language",
  "content-location",
  "content-md5",
  "keywords",
  "dkim-signature",
  "arc-seal",
  "arc-message-signature",
  "arc-authentication-results",
  "authentication-results",
  "list-id",
]);

/** Whether the header section holds any 8-bit byte. */
export function hasEightBitHeader(header: string): boolean {
  return HAS_8BIT.test(header);
}

/**
 * The header section (binary string, CRLF line ends, with or without its
 * final blank line) with every 8-bit field made 7-bit. Throws
 * `HeaderEncodingError` when a field cannot be made 7-bit safely.
 */
export function encodeHeaderSection(header: string): string {
  if (!HAS_8BIT.test(header)) return header;
  const fields = header.split(/\r\n(?![ \t])/);
  return fields.map((field, i) => {
    const isLast = i === fields.length - 1;
    if (!HAS_8BIT.test(field)) return isLast ? field : field + "\r\n";
    const folded = encodeField(field);
    return isLast ? folded.slice(0, -2) : folded;
  }).join("");
}

/** One field (without its final CRLF) -> its 7-bit form with CRLF. */
function encodeField(field: string): string {
  const colon = field.indexOf(":");
  const name = colon > 0 ? field.slice(0, colon) : "";
  if (name === "" || HAS_8BIT.test(name) || !/^[\x21-\x39\x3b-\x7e]+$/.test(name.trimEnd())) {
    throw new HeaderEncodingError("A header field name or line holds 8-bit bytes");
  }
  const key = name.trimEnd().toLowerCase();
  const value = field.slice(colon + 1).replace(/\r\n(?=[ \t])/g, "");
  const label = name.trimEnd();
  if (MIME_PARAMETER_FIELDS.has(key)) return foldField(name, encodeMimeParameters(value, label));
  if (REFUSED_FIELDS.has(key) || key.startsWith("arc-")) {
    throw new HeaderEncodingError(`${label}: 8-bit text where encoded words are not allowed`);
  }
  const pieces = ENCODED_AS_ADDRESSES.has(key)
    ? encodeAddressField(value, label)
    : encodeUnstructured(value);
  return foldField(name, pieces);
}

/** An encoded word the sender wrote itself, kept as it is. */
const ENCODED_WORD = /^=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=$/;

/**
 * Unstructured text: runs of 8-bit words become encoded words, the rest
 * stays. Beside an encoded word already in the text, the space between the
 * two goes inside ours: a decoder drops whitespace between encoded words
 * (RFC 2047 6.2).
 */
export function encodeUnstructured(value: string): FieldPiece[] {
  const pieces: FieldPiece[] = [];
  const pattern = /([ \t]*)([^ \t]+)/g;
  let run: { space: string; text: string } | null = null;
  const flush = () => {
    if (run === null) return;
    encodeWords(run.text).forEach((word, n) => {
      pieces.push({ space: n === 0 ? run!.space : " ", text: word });
    });
    run = null;
  };
  let last = 0;
  for (const match of value.matchAll(pattern)) {
    const [, space, word] = match as unknown as [string, string, string];
    last = match.index + match[0].length;
    if (!HAS_8BIT.test(word)) {
      if (run !== null && ENCODED_WORD.test(word)) (run as { text: string }).text += space;
      flush();
      pieces.push({ space, text: word });
    } else if (run === null) {
      const isAfterEncodedWord = ENCODED_WORD.test(pieces.at(-1)?.text ?? "");
      run = { space, text: isAfterEncodedWord ? space + word : word };
    } else (run as { text: string }).text += space + word;
  }
  flush();
  const trailing = value.slice(last);
  if (trailing !== "") pieces.push({ space: trailing, text: "" });
  return pieces;
}
