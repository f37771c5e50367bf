/**
 * The text of a message as a reader sees it, for searching (IMAP SEARCH
 * BODY and TEXT): every text/* part with its transfer encoding
 * (quoted-printable, base64) undone and its charset decoded, embedded
 * messages (message/rfc822, message/global) included (their header decoded
 * too); attachments of other types
 * are skipped. Pure; takes the message as a binary string.
 */
import { Buffer } from "node:buffer";
import { decodeCharset, decodeHeaderText, decodeUtf8OrLatin1 } from "./encoded_words.ts";
import {
  asPlainBytes,
  binaryToBytes,
  bytesToBinary,
  headerValue,
  type MimePart,
  parseMimeStructure,
} from "./mime_structure.ts";
import { transferEncodingOf } from "./transfer_encoding.ts";

/** Undoes a Content-Transfer-Encoding; 7bit, 8bit, binary and unknown ones pass through. */
export function decodeTransferEncoding(binary: string, encoding: string): Uint8Array {
  const kind = encoding.trim().toLowerCase();
  if (kind === "base64") {
    // "=" pads the last quantum (RFC 2045 6.8). Text encoded in pieces, each padded, is
    // decoded piece by piece: dropping the "=" and decoding the rest as one would shift
    // every later bit and turn the text after the first piece into noise.
    const pieces = binary.replace(/[^A-Za-z0-9+/=]/g, "").split(/=+/);
    return asPlainBytes(Buffer.concat(pieces.map((piece) => Buffer.from(piece, "base64"))));
  }
  if (kind === "quoted-printable") {
    const decoded = binary
      .replace(/[ \t]+(?=\r?\n)/g, "") // trailing blanks were added in transit
      .replace(/=\r?\n/g, "") // soft line breaks
      .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    return binaryToBytes(decoded);
  }
  return binaryToBytes(binary);
}

/**
 * A header section as text to search: each field unfolded (RFC 5322 2.2.3:
 * a line break before a blank is dropped, so a folded value reads as the
 * one line it is) and decoded on its own (8-bit bytes, encoded words), so
 * one Latin-1 field does not turn another field's UTF-8 into mojibake.
 * Fields come one a line.
 */
export function searchableHeader(header: string): string {
  return header.replace(/\r?\n(?=[ \t])/g, "").split(/\r?\n/).map(decodeHeaderText).join("\n");
}

/** The decoded text of every text part of `message` (a binary string), parts joined by "\n". */
export function searchableBody(message: string): string {
  return searchableText(message).body;
}

/** What SEARCH reads of a message below its header. */
export interface SearchableText {
  /** The text parts, decoded, with embedded messages' headers (`searchableBody`). */
  body: string;
  /** The MIME headers of the parts of multiparts (`searchableHeader` of each), one a line. */
  partHeaders: string;
}

/**
 * `searchableBody` and the parts' MIME headers of `message` (a binary
 * string); `bytes`, the same message as bytes when the caller has them,
 * spares a copy of each part sent as it is (7bit, 8bit, binary).
 */
export function searchableText(message: string, bytes?: Uint8Array): SearchableText {
  const texts: string[] = [];
  const partHeaders: string[] = [];
  const where = { texts, partHeaders, withHeader: false, depth: 0, bytes };
  collect(message, parseMimeStructure(message), where);
  return { body: texts.join("\n"), partHeaders: partHeaders.join("\n") };
}

/** Transfer encodings that leave the bytes as they are (RFC 2045 6.2). */
const IDENTITY_ENCODINGS = new Set(["7bit", "8bit", "binary"]);

/** How many message/global parts, one inside the other, are read; deeper ones are skipped. */
const MAX_GLOBAL_DEPTH = 8;

interface Collected {
  texts: string[];
  partHeaders: string[];
  withHeader: boolean;
  depth: number;
  /** `message` as bytes, when the caller has them. */
  bytes?: Uint8Array;
}

function collect(message: string, part: MimePart, where: Collected): void {
  const { texts, partHeaders, depth, bytes } = where;
  if (where.withHeader) texts.push(searchableHeader(part.header));
  if (part.parts.length > 0) {
    for (const child of part.parts) {
      partHeaders.push(searchableHeader(child.header));
      collect(message, child, { texts, partHeaders, withHeader: false, depth, bytes });
    }
    return;
  }
  if (part.message !== null) {
    collect(message, part.message, { texts, partHeaders, withHeader: true, depth, bytes });
    return;
  }
  const encoding = transferEncodingOf(headerValue(part.header, "content-transfer-encoding"));
  if (part.type === "message" && part.subtype === "global") {
    // An embedded message with UTF-8 in its header (RFC 6532 3.5), which unlike
    // message/rfc822 may come base64 or quoted-printable encoded: decoded, then read.
    if (depth >= MAX_GLOBAL_DEPTH) return;
    const inner = bytesToBinary(
      decodeTransferEncoding(message.slice(part.bodyStart, part.bodyEnd), encoding),
    );
    const innerWhere = { texts, partHeaders, withHeader: true, depth: depth + 1 };
    collect(inner, parseMimeStructure(inner), innerWhere);
    return;
  }
  if (part.type !== "text") return;
  const content = bytes !== undefined && IDENTITY_ENCODINGS.has(encoding)
    ? bytes.subarray(part.bodyStart, part.bodyEnd)
    : decodeTransferEncoding(message.slice(part.bodyStart, part.bodyEnd), encoding);
  // Unlabelled or "us-ascii" text with 8-bit bytes is usually UTF-8 in practice.
  const charset = part.params.find(([name]) => name === "charset")?.[1] ?? "us-ascii";
  const isAscii = /^\s*(us-)?ascii\s*$/i.test(charset);
  texts.push(isAscii ? decodeUtf8OrLatin1(content) : decodeCharset(content, charset));
}
