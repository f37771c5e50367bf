/**
 * BODY and BODYSTRUCTURE (RFC 3501 7.4.2) from a MIME tree. BODYSTRUCTURE
 * adds the extension data (MD5, disposition, language, location).
 */
import {
  headerValue,
  type MimePart,
  type MimeText,
  mimeTextOf,
  parseParams,
  transferEncodingOf,
  withoutComments,
} from "../mail/mod.ts";
import { formatEnvelope } from "./envelope.ts";
import { nstring, parenList } from "./wire_format.ts";

/**
 * Formats `part` (and its children) of `message` (a binary string, or its
 * bytes) as BODY, or BODYSTRUCTURE when `isExtended`.
 */
export function formatBodyStructure(
  message: string | Uint8Array,
  part: MimePart,
  isExtended: boolean,
): string {
  return formatPart(mimeTextOf(message), part, isExtended);
}

function formatPart(message: MimeText, part: MimePart, isExtended: boolean): string {
  if (part.type === "multipart") {
    const children = part.parts.map((child) => formatPart(message, child, isExtended));
    const fields = [children.join(""), nstring(part.subtype.toUpperCase())];
    if (isExtended) fields.push(formatParams(part.params), ...extensions(part.header));
    return `(${fields.join(" ")})`;
  }
  const header = part.header;
  const body = { start: part.bodyStart, end: Math.max(part.bodyStart, part.bodyEnd) };
  const encoding = transferEncoding(header);
  const fields = [
    nstring(part.type.toUpperCase()),
    nstring(part.subtype.toUpperCase()),
    formatParams(part.params),
    nstring(headerValue(header, "content-id")),
    nstring(headerValue(header, "content-description")),
    nstring(encoding),
    String(body.end - body.start),
  ];
  if (part.type === "message" && part.subtype === "rfc822" && part.message !== null) {
    fields.push(
      formatEnvelope(part.message.header),
      formatPart(message, part.message, isExtended),
      String(countLines(message, body)),
    );
  } else if (part.type === "text") {
    fields.push(String(countLines(message, body)));
  }
  if (isExtended) fields.push(nstring(headerValue(header, "content-md5")), ...extensions(header));
  return `(${fields.join(" ")})`;
}

/** The Content-Transfer-Encoding mechanism, uppercased, comments left out (RFC 2045 3, 6.1). */
function transferEncoding(header: string): string {
  return transferEncodingOf(headerValue(header, "content-transfer-encoding")).toUpperCase();
}

function formatParams(params: readonly [string, string][]): string {
  if (params.length === 0) return "NIL";
  return parenList(
    params.flatMap(([name, value]) => [nstring(name.toUpperCase()), nstring(value)]),
  );
}

/** Disposition, language and location. */
function extensions(header: string): string[] {
  // Both are structured fields: comments may stand between any two tokens (RFC 2183 2,
  // RFC 3282 2), and "attachment (c); filename=a.pdf" must not lose its file name.
  const disposition = withoutCommentsOrNull(headerValue(header, "content-disposition"));
  let dispositionField = "NIL";
  if (disposition !== null) {
    const match = /^\s*([^\s;]+)/.exec(disposition);
    if (match !== null) {
      const params = parseParams(disposition.slice(match[0].length));
      dispositionField = `(${nstring((match[1] as string).toUpperCase())} ${formatParams(params)})`;
    }
  }
  const language = withoutCommentsOrNull(headerValue(header, "content-language"));
  const languages = (language ?? "").split(",").map((tag) => tag.trim()).filter((tag) => tag);
  // body-fld-lang (RFC 3501 9) has no empty list: no tag at all is NIL.
  const languageField = languages.length === 0 ? "NIL" : parenList(languages.map(nstring));
  return [dispositionField, languageField, nstring(headerValue(header, "content-location"))];
}

function withoutCommentsOrNull(value: string | null): string | null {
  return value === null ? null : withoutComments(value);
}

/** Lines of the body from `start` to `end`; a last line without its LF counts too. */
function countLines(message: MimeText, body: { start: number; end: number }): number {
  let count = 0;
  for (
    let i = message.indexOfLf(body.start);
    i >= 0 && i < body.end;
    i = message.indexOfLf(i + 1)
  ) {
    count++;
  }
  if (body.end > body.start && message.codeAt(body.end - 1) !== 10) count++;
  return count;
}
