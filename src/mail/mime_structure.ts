/**
 * The MIME structure of a message (RFC 2045, 2046): a tree of parts with
 * byte offsets into the message, for IMAP BODYSTRUCTURE and section
 * fetches. Pure: works on a "binary string" (one char per byte, see
 * `bytesToBinary`), so string offsets are byte offsets, or on the bytes
 * themselves (the same offsets, no text copy of the message: mime_text.ts).
 * Header values are left as sent (encoded words are not decoded).
 */
import { Buffer } from "node:buffer";
import { withoutComments } from "./mime_parameter_encoding.ts";
import { type MimeText, mimeTextOf } from "./mime_text.ts";

/** One MIME entity. Offsets are into the message's binary string. */
export interface MimePart {
  /** Start of this entity's header section. */
  headerStart: number;
  /** Start of the body (just after the blank line ending the header). */
  bodyStart: number;
  /** End of the body. */
  bodyEnd: number;
  /** The header section, blank line included. */
  header: string;
  /** Lowercased media type and subtype, defaults applied. */
  type: string;
  subtype: string;
  /** Content-Type parameters, names lowercased, in order. */
  params: [string, string][];
  /** Children of a multipart entity. */
  parts: MimePart[];
  /** The embedded message of a message/rfc822 entity. */
  message: MimePart | null;
}

const MAX_DEPTH = 20;
/**
 * Entities parsed in one message at most, counted across the whole tree;
 * past that, a multipart's last part holds the rest of its body (delimiters
 * and all), and an entity met after that is not looked into (a multipart
 * gets one empty part, a message/rfc822 an empty message, as past
 * MAX_DEPTH), as Dovecot's parser caps the parts of a message too. A 2.4 MB
 * message of 200,000 empty parts, which anyone may send, made one
 * BODYSTRUCTURE take the server from 60 to 192 MB; a 25 MB one would have
 * taken gigabytes. RFC 2046 sets no limit.
 */
export const MAX_MIME_PARTS = 10_000;
const LF = 10;

/** Bytes -> binary string (ISO-8859-1, byte for byte). */
export function bytesToBinary(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

/** Binary string -> bytes. */
export function binaryToBytes(text: string): Uint8Array {
  return asPlainBytes(Buffer.from(text, "latin1"));
}

/**
 * A Buffer's bytes as a plain Uint8Array over the same memory: wrapping it
 * with `new Uint8Array(buffer)` would copy it, and for a 20 MB text part
 * searched with SEARCH BODY that is 20 MB more for each message.
 */
export function asPlainBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Parses a whole message (a binary string, or its bytes). */
export function parseMimeStructure(message: string | Uint8Array): MimePart {
  const text = mimeTextOf(message);
  const budget = { parts: MAX_MIME_PARTS };
  return parseEntity(text, { start: 0, end: text.length, isDigest: false, depth: 0, budget });
}

/** Where an entity is, and the parts the whole message may still have (shared by all). */
interface EntityWhere {
  start: number;
  end: number;
  isDigest: boolean;
  depth: number;
  budget: { parts: number };
}

/** Where the header of the entity starting at `start` ends (the body's first byte). */
export function findBodyStart(
  message: string | Uint8Array | MimeText,
  start: number,
  end: number,
): number {
  const text = typeof message === "string" || message instanceof Uint8Array
    ? mimeTextOf(message)
    : message;
  // Never past `end`: the blank line after an empty part belongs to the next delimiter.
  if (start >= end) return end;
  if (text.startsWith("\r\n", start)) return Math.min(start + 2, end);
  if (text.codeAt(start) === LF) return start + 1;
  let at = start;
  while (at < end) {
    const lf = text.indexOfLf(at);
    if (lf < 0 || lf >= end) return end;
    if (text.startsWith("\r\n", lf + 1)) return Math.min(lf + 3, end);
    if (text.codeAt(lf + 1) === LF) return Math.min(lf + 2, end);
    at = lf + 1;
  }
  return end;
}

function parseEntity(text: MimeText, where: EntityWhere): MimePart {
  // Checked here, not only when a multipart is split: the parts of each part count too.
  const isSpent = where.budget.parts <= 0;
  where.budget.parts--;
  const bodyStart = findBodyStart(text, where.start, where.end);
  const header = text.slice(where.start, bodyStart);
  const contentType = parseContentType(headerValue(header, "content-type"), where.isDigest);
  const part: MimePart = {
    headerStart: where.start,
    bodyStart,
    bodyEnd: where.end,
    header,
    type: contentType.type,
    subtype: contentType.subtype,
    params: contentType.params,
    parts: [],
    message: null,
  };
  const boundary = paramValue(contentType.params, "boundary");
  if (part.type === "multipart") {
    const isDigest = part.subtype === "digest";
    if (boundary && where.depth < MAX_DEPTH && !isSpent) {
      const child = { isDigest, depth: where.depth + 1, budget: where.budget };
      for (const range of delimitedParts(text, { start: bodyStart, end: where.end, boundary })) {
        if (part.parts.length > 0 && where.budget.parts <= 0) {
          // Out of parts: this one holds the rest of the body, and is not looked into.
          part.parts.push(parseEntity(text, { ...child, start: range.start, end: where.end }));
          break;
        }
        part.parts.push(parseEntity(text, { ...child, ...range }));
      }
    }
    // A multipart has at least one part (IMAP's BODYSTRUCTURE cannot say less): without a
    // boundary, without delimiter lines, past the depth limit or out of parts, it is one
    // empty text part.
    if (part.parts.length === 0) {
      part.parts.push(parseEntity(text, {
        start: bodyStart,
        end: bodyStart,
        isDigest: false,
        depth: where.depth + 1,
        budget: where.budget,
      }));
    }
  } else if (part.type === "message" && part.subtype === "rfc822") {
    // Past the depth limit (or out of parts) the embedded message is an empty one: IMAP's
    // BODYSTRUCTURE needs its envelope and body all the same.
    const isTooDeep = where.depth >= MAX_DEPTH || isSpent;
    part.message = parseEntity(text, {
      start: bodyStart,
      end: isTooDeep ? bodyStart : where.end,
      isDigest: false,
      depth: where.depth + 1,
      budget: where.budget,
    });
  }
  return part;
}

/**
 * The body ranges between `--boundary` delimiter lines (the CRLF before a
 * delimiter is its own), found one at a time: the caller stops when it has
 * parsed as many parts as it may.
 */
function* delimitedParts(
  text: MimeText,
  where: { start: number; end: number; boundary: string },
): Generator<{ start: number; end: number }> {
  const delimiter = "--" + where.boundary;
  let partStart = -1;
  let lineStart = where.start;
  while (lineStart < where.end) {
    const lf = text.indexOfLf(lineStart);
    const lineEnd = lf < 0 || lf >= where.end ? where.end : lf + 1;
    if (text.startsWith(delimiter, lineStart)) {
      const rest = withoutTrailingBlanks(text.slice(lineStart + delimiter.length, lineEnd));
      const isClose = rest === "--";
      if (rest === "" || isClose) {
        if (partStart >= 0) {
          // Two delimiter lines in a row share the line end between them: the part is empty.
          const end = Math.max(partStart, delimiterStart(text, lineStart));
          yield { start: partStart, end };
        }
        if (isClose) return;
        partStart = lineEnd;
      }
    }
    lineStart = lineEnd;
  }
  if (partStart >= 0) yield { start: partStart, end: where.end };
}

/**
 * `line` without the blanks and line end after it. By hand: a regex anchored at the end
 * tries each start of a run of blanks that something else follows, so a delimiter line
 * with 200 KB of spaces before a letter took 20 s.
 */
function withoutTrailingBlanks(line: string): string {
  let end = line.length;
  while (end > 0 && " \t\r\n".includes(line[end - 1] as string)) end--;
  return line.slice(0, end);
}

function delimiterStart(text: MimeText, lineStart: number): number {
  if (lineStart >= 2 && text.startsWith("\r\n", lineStart - 2)) return lineStart - 2;
  return text.codeAt(lineStart - 1) === LF ? lineStart - 1 : lineStart;
}

/** The unfolded value of the first `name` field in `header` (name lowercased), or null. */
export function headerValue(header: string, name: string): string | null {
  // Lines start only after LF: a lone CR inside a field (APPEND keeps one) starts no field,
  // as a multiline regex's "^" would have it.
  const pattern = new RegExp(`${name.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&")}[ \t]*:`, "iy");
  let start = 0;
  while (true) {
    pattern.lastIndex = start;
    if (pattern.test(header)) break;
    const lf = header.indexOf("\n", start);
    if (lf < 0) return null;
    start = lf + 1;
  }
  const valueStart = pattern.lastIndex;
  let end = valueStart;
  while (true) {
    const lf = header.indexOf("\n", end);
    if (lf < 0 || !/[ \t]/.test(header[lf + 1] ?? "")) {
      end = lf < 0 ? header.length : lf;
      break;
    }
    end = lf + 1;
  }
  return header.slice(valueStart, end).replace(/\r?\n(?=[ \t])/g, "").trim();
}

/** Parses a Content-Type value; defaults to text/plain (message/rfc822 inside a digest). */
export function parseContentType(
  value: string | null,
  isDigest = false,
): { type: string; subtype: string; params: [string, string][] } {
  const fallback = isDigest
    ? { type: "message", subtype: "rfc822", params: [] }
    : { type: "text", subtype: "plain", params: [["charset", "us-ascii"]] as [string, string][] };
  if (value === null) return fallback;
  const text = withoutComments(value);
  const match = /^\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*\/\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*/.exec(
    text,
  );
  if (match === null) return fallback;
  const rest = text.slice(match[0].length);
  return {
    type: (match[1] as string).toLowerCase(),
    subtype: (match[2] as string).toLowerCase(),
    params: parseParams(rest),
  };
}

/**
 * The value of parameter `name` (lowercase), also when written in RFC 2231
 * form: `name*=charset'lang'a%20b`, or split into sections `name*0`,
 * `name*1*`, ... (RFC 2231 3, 4). A binary string with percent escapes
 * undone; charset and language are dropped (a boundary is ASCII anyway).
 * A plain `name=` wins when both are given.
 */
export function paramValue(params: readonly [string, string][], name: string): string | undefined {
  const plain = params.find(([key]) => key === name);
  if (plain !== undefined) return plain[1];
  const extended = params.find(([key]) => key === `${name}*`);
  if (extended !== undefined) return undoPercent(withoutCharset(extended[1]));
  // Where each section key first appears, found in one pass: a lookup per section
  // would cost sections x params, and a header can hold tens of thousands.
  const firstAt = new Map<string, number>();
  const prefix = `${name}*`;
  params.forEach(([key], at) => {
    if (key.startsWith(prefix) && !firstAt.has(key)) firstAt.set(key, at);
  });
  let value: string | undefined;
  for (let i = 0; i < params.length; i++) {
    // The first of `name*i` and `name*i*` is the section.
    const at = Math.min(
      firstAt.get(`${prefix}${i}`) ?? Infinity,
      firstAt.get(`${prefix}${i}*`) ?? Infinity,
    );
    const section = params[at];
    if (section === undefined) break;
    const isEncoded = section[0].endsWith("*");
    const text = isEncoded
      ? undoPercent(i === 0 ? withoutCharset(section[1]) : section[1])
      : section[1];
    value = (value ?? "") + text;
  }
  return value;
}

/** `charset'language'value` -> `value` (RFC 2231 4). */
function withoutCharset(text: string): string {
  const first = text.indexOf("'");
  const second = first < 0 ? -1 : text.indexOf("'", first + 1);
  return second < 0 ? text : text.slice(second + 1);
}

function undoPercent(text: string): string {
  return text.replace(
    /%([0-9A-Fa-f]{2})/g,
    (_, hex: string) => String.fromCharCode(parseInt(hex, 16)),
  );
}

/** `; name=value; name="quoted value"` -> pairs (names lowercased). */
export function parseParams(text: string): [string, string][] {
  const params: [string, string][] = [];
  const pattern = /;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;]*))/g;
  for (const match of text.matchAll(pattern)) {
    const value = match[2] !== undefined ? match[2].replace(/\\(.)/g, "$1") : match[3] ?? "";
    params.push([(match[1] as string).toLowerCase(), value]);
  }
  return params;
}
