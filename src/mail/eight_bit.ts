/**
 * 8-bit to 7-bit conversion for a server without 8BITMIME (RFC 6152 3,
 * RFC 2045). Pure: bytes in, bytes out. Text parts with 8-bit bytes become
 * quoted-printable, other leaf parts base64; multiparts are walked part by
 * part with their boundaries, preamble and epilogue kept; message/rfc822
 * parts are converted inside (a message/global that cannot be is sent
 * whole in quoted-printable, RFC 6532 3.7). Content-Transfer-Encoding is
 * rewritten (and MIME-Version added when missing, at the top and in each
 * attached message whose header gains a transfer encoding). Parts already
 * 7-bit, or already encoded, are left byte-for-byte alone.
 *
 * Header fields with raw 8-bit bytes are left alone unless `headers` asks
 * for encoding (see `header_encoding.ts`): "top" encodes the message's own
 * header section, "all" every header section (MIME parts, attached
 * messages) too. Encoding may throw `HeaderEncodingError`.
 *
 * Multiparts and attached messages nested deeper than `MAX_MIME_NESTING`
 * throw `MimeNestingError` when 8-bit content lies below the limit (the
 * walk is recursive and copies each level: Postfix's mime_nesting_limit).
 */
import { fromLatin1, toLatin1 } from "./latin1.ts";
import { encodeHeaderSection, HeaderEncodingError } from "./header_encoding.ts";
import { paramValue, parseContentType } from "./mime_structure.ts";
import { encodeQuotedPrintable } from "./quoted_printable.ts";
import { transferEncodingOf } from "./transfer_encoding.ts";

/** What `downgradeTo7bit` converts. */
export interface DowngradeOptions {
  /** Re-encode 8-bit body parts (default true). */
  isBodyConverted?: boolean;
  /** Which header sections get RFC 2047 encoding (default "none"). */
  headers?: "none" | "top" | "all";
}

/**
 * How deep multiparts and attached messages may nest in a message that is
 * converted (the IMAP parser stops at 20; real mail rarely passes 10).
 */
export const MAX_MIME_NESTING = 50;

/** Thrown when a message nests deeper than `MAX_MIME_NESTING` where it needs converting. */
export class MimeNestingError extends Error {
  constructor() {
    super(`MIME parts nest deeper than ${MAX_MIME_NESTING} levels`);
    this.name = "MimeNestingError";
  }
}

interface EntityOptions {
  isTop: boolean;
  /**
   * The entity is a whole message: the top, or the body of an attached
   * message/rfc822 or message/global. Its header needs MIME-Version once a
   * transfer encoding is written into it (RFC 2045 4: required in the
   * embedded message too, or its Content-Transfer-Encoding is no MIME field).
   */
  isMessage: boolean;
  /** How many multiparts and attached messages enclose this entity. */
  depth: number;
  isBodyConverted: boolean;
  headers: "none" | "top" | "all";
  /** The Content-Type of an entity without one: message/rfc822 in a digest (RFC 2046 5.1.5). */
  defaultType?: string;
}

/** Whether any byte has the high bit set (checked four bytes at a time). */
export function has8bitBytes(bytes: Uint8Array): boolean {
  const alignedStart = (4 - (bytes.byteOffset % 4)) % 4;
  if (bytes.length < alignedStart + 4) {
    for (let i = 0; i < bytes.length; i++) if (bytes[i]! >= 0x80) return true;
    return false;
  }
  const words = (bytes.length - alignedStart) >> 2;
  for (let i = 0; i < alignedStart; i++) if (bytes[i]! >= 0x80) return true;
  const view = new Uint32Array(bytes.buffer, bytes.byteOffset + alignedStart, words);
  for (let i = 0; i < words; i++) if ((view[i]! & 0x80808080) !== 0) return true;
  for (let i = alignedStart + words * 4; i < bytes.length; i++) if (bytes[i]! >= 0x80) return true;
  return false;
}

/** The message with every 8-bit body part re-encoded as 7-bit. */
export function downgradeTo7bit(message: Uint8Array, options: DowngradeOptions = {}): Uint8Array {
  return fromLatin1(convertEntity(toLatin1(message), {
    isTop: true,
    isMessage: true,
    depth: 0,
    isBodyConverted: options.isBodyConverted ?? true,
    headers: options.headers ?? "none",
  }));
}

const HAS_8BIT = /[\x80-\xff]/;

function convertEntity(entity: string, options: EntityOptions): string {
  const isHeaderEncoded = options.headers === "all" || (options.headers === "top" && options.isTop);
  // An entity opening with a blank line has an empty header section (RFC 2046 5.1.1).
  const split = entity.startsWith("\r\n") ? -2 : entity.search(/\r\n\r\n/);
  if (split === -1) return isHeaderEncoded ? encodeHeaderSection(entity) : entity;
  const rawHeader = entity.slice(0, split + 2);
  const header = isHeaderEncoded && rawHeader !== "" ? encodeHeaderSection(rawHeader) : rawHeader;
  const body = entity.slice(split + 4);
  if (!HAS_8BIT.test(body)) return header + "\r\n" + body;
  // Below the top, only body conversion or "all" header encoding change anything.
  if (!options.isBodyConverted && options.headers !== "all") return header + "\r\n" + body;
  const inner = {
    ...options,
    isTop: false,
    isMessage: false,
    depth: options.depth + 1,
    defaultType: undefined,
  };
  // Parsed as a structured field: comments skipped, a ";" or "boundary=" inside a quoted
  // value of another parameter taken as that value's text.
  const contentType = parseContentType(
    headerValue(header, "content-type") ?? options.defaultType ?? "text/plain",
  );
  const mediaType = `${contentType.type}/${contentType.subtype}`;
  const encoding = transferEncodingOf(headerValue(header, "content-transfer-encoding"));
  const isContainer = mediaType.startsWith("multipart/") || mediaType === "message/rfc822" ||
    mediaType === "message/global";
  if (isContainer && options.depth >= MAX_MIME_NESTING) throw new MimeNestingError();
  if (mediaType.startsWith("multipart/")) {
    const boundary = paramValue(contentType.params, "boundary");
    if (boundary) {
      const defaultType = mediaType === "multipart/digest" ? "message/rfc822" : undefined;
      const parts = convertMultipart(body, boundary, { ...inner, defaultType });
      return markedHeader(header, options) + "\r\n" + parts;
    }
  }
  const isEncodable = encoding === "7bit" || encoding === "8bit" || encoding === "binary";
  if (mediaType === "message/global" && options.isBodyConverted && isEncodable) {
    return convertGlobalMessage(header, body, { ...inner, isMessage: true }, options);
  }
  if (mediaType === "message/rfc822" || mediaType === "message/global") {
    return markedHeader(header, options) + "\r\n" +
      convertEntity(body, { ...inner, isMessage: true });
  }
  if (!isEncodable || !options.isBodyConverted) return header + "\r\n" + body;
  if (mediaType.startsWith("text/")) {
    return withEncoding(header, "quoted-printable", options) + "\r\n" +
      encodeQuotedPrintable(body);
  }
  return withEncoding(header, "base64", options) + "\r\n" + base64Lines(body);
}

/**
 * An attached message/global (RFC 6532 3.7): converted inside, as a
 * message/rfc822 is, when that makes it 7-bit; else (a UTF-8 address in its
 * header has no 7-bit form, or its parts cannot be converted) sent whole in
 * quoted-printable, which RFC 6532 3.7 permits for it ("any
 * content-transfer-encoding") and asks for on the way to a 7-bit system. It
 * arrives byte for byte, where refusing it bounced every forwarded
 * internationalized message to a peer without 8BITMIME.
 */
function convertGlobalMessage(
  header: string,
  body: string,
  inner: EntityOptions,
  options: EntityOptions,
): string {
  try {
    const converted = convertEntity(body, inner);
    if (!HAS_8BIT.test(converted)) return markedHeader(header, options) + "\r\n" + converted;
  } catch (error) {
    if (!(error instanceof HeaderEncodingError || error instanceof MimeNestingError)) throw error;
  }
  return withEncoding(header, "quoted-printable", options) + "\r\n" + encodeQuotedPrintable(body);
}

/** A container's header: Content-Transfer-Encoding 7bit once its body is converted. */
function markedHeader(header: string, options: EntityOptions): string {
  return options.isBodyConverted ? withEncoding(header, "7bit", options) : header;
}

function convertMultipart(body: string, boundary: string, options: EntityOptions): string {
  const delimiter = "--" + boundary;
  const lines = body.split("\r\n");
  const out: string[] = [];
  let part: string[] | null = null;
  let isClosed = false;
  for (const line of lines) {
    const isDelimiter = !isClosed && line.startsWith(delimiter) &&
      /^(--)?[ \t]*$/.test(line.slice(delimiter.length));
    if (!isDelimiter) {
      // 8-bit bytes in a preamble or epilogue are never shown; make them 7-bit.
      if (part) part.push(line);
      else out.push(options.isBodyConverted ? line.replace(/[\x80-\xff]/g, "?") : line);
      continue;
    }
    if (part) out.push(convertEntity(part.join("\r\n"), options));
    out.push(line);
    isClosed = line.slice(delimiter.length).startsWith("--");
    part = isClosed ? null : [];
  }
  if (part) out.push(convertEntity(part.join("\r\n"), options));
  return out.join("\r\n");
}

/** The header section with Content-Transfer-Encoding set to `encoding`. */
function withEncoding(header: string, encoding: string, options: { isMessage: boolean }): string {
  const lines = header === "" ? [] : header.slice(0, -2).split("\r\n");
  const kept: string[] = [];
  let isSkipping = false;
  for (const line of lines) {
    if (/^[ \t]/.test(line) && isSkipping) continue;
    isSkipping = /^content-transfer-encoding[ \t]*:/i.test(line);
    if (!isSkipping) kept.push(line);
  }
  if (options.isMessage && !kept.some((line) => /^mime-version[ \t]*:/i.test(line))) {
    kept.push("MIME-Version: 1.0");
  }
  kept.push(`Content-Transfer-Encoding: ${encoding}`);
  return kept.join("\r\n") + "\r\n";
}

/** The unfolded value of the first field called `name`, or null. */
function headerValue(header: string, name: string): string | null {
  const unfolded = header.replace(/\r\n([ \t])/g, "$1");
  for (const line of unfolded.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === name) {
      return line.slice(colon + 1).trim();
    }
  }
  return null;
}

function base64Lines(body: string): string {
  const encoded = fromLatin1(body).toBase64();
  const lines: string[] = [];
  for (let i = 0; i < encoded.length; i += 76) lines.push(encoded.slice(i, i + 76));
  return lines.join("\r\n") + "\r\n";
}
