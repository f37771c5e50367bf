/**
 * Writing RFC 2047 encoded words and folding header fields (RFC 5322
 * 2.2.3). Pure; works on binary strings (one char per byte, see
 * `bytesToBinary`).
 *
 * Text that is valid UTF-8 is labelled UTF-8. Other 8-bit bytes (an old
 * client's Latin-1, say) are labelled UNKNOWN-8BIT (RFC 1428): the bytes
 * travel exactly, and no charset is guessed. Each word is at most 75
 * characters and holds whole characters only (RFC 2047 2, 5). The Q
 * alphabet is the narrow one that is safe in phrases and comments too
 * (RFC 2047 5(3)); B is used when it is shorter.
 */
import { Buffer } from "node:buffer";

/**
 * RFC 2047 2 allows 75; shorter words leave room for the field name on the
 * first line, which RFC 2047 2 limits to 76 characters when it holds an
 * encoded word.
 */
const MAX_WORD_CHARS = 60;
const Q_LITERAL = /[A-Za-z0-9!*+\-/]/;
/** RFC 2047 2: a line holding an encoded word is at most 76 characters (RFC 5322 2.1.1: 78). */
export const FOLD_AT_CHARS = 76;

/** Whether a binary string holds valid UTF-8. */
export function isUtf8Binary(binary: string): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(binary, "latin1"));
    return true;
  } catch {
    return false;
  }
}

/** Splits a binary string into characters (UTF-8 sequences, or single bytes). */
function characters(binary: string, isUtf8: boolean): string[] {
  if (!isUtf8) return binary.split("");
  const out: string[] = [];
  for (let i = 0; i < binary.length;) {
    const lead = binary.charCodeAt(i);
    const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    out.push(binary.slice(i, i + length));
    i += length;
  }
  return out;
}

function qEncode(binary: string): string {
  let out = "";
  for (const ch of binary) {
    if (ch === " ") out += "_";
    else if (Q_LITERAL.test(ch)) out += ch;
    else out += "=" + ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

function bLength(byteCount: number): number {
  return Math.ceil(byteCount / 3) * 4;
}

/**
 * Encodes `binary` (any bytes) as encoded words, each at most 75
 * characters. Whitespace between the words is ignored by decoders
 * (RFC 2047 6.2), so spaces in the text are carried inside the words.
 */
export function encodeWords(binary: string): string[] {
  const isUtf8 = isUtf8Binary(binary);
  const charset = isUtf8 ? "UTF-8" : "UNKNOWN-8BIT";
  const isQ = qEncode(binary).length <= bLength(binary.length);
  const prefix = `=?${charset}?${isQ ? "Q" : "B"}?`;
  const room = MAX_WORD_CHARS - prefix.length - 2;
  const words: string[] = [];
  let chunk = "";
  const flush = () => {
    if (chunk === "") return;
    const text = isQ ? qEncode(chunk) : Buffer.from(chunk, "latin1").toString("base64");
    words.push(prefix + text + "?=");
    chunk = "";
  };
  for (const ch of characters(binary, isUtf8)) {
    const size = isQ ? qEncode(chunk + ch).length : bLength(chunk.length + ch.length);
    if (size > room) flush();
    chunk += ch;
  }
  flush();
  return words;
}

/** One piece of a field body: `text`, after the whitespace `space` ("" = glued to the previous piece). */
export interface FieldPiece {
  space: string;
  text: string;
}

/**
 * `Name: value` with CRLF inserted before whitespace so lines stay within
 * 76 characters where a fold point allows (never inside a piece, never at a
 * piece glued to its neighbour; right after the colon only when the first
 * piece would not fit beside the name). Returns the field with its final CRLF.
 */
export function foldField(name: string, pieces: readonly FieldPiece[]): string {
  let out = name + ":";
  let lineLength = out.length;
  let hasContent = false;
  for (const piece of pieces) {
    if (piece.text === "") continue; // trailing blanks mean nothing; never fold onto them
    const add = piece.space + piece.text;
    const canFold = piece.space !== "" && (hasContent || name.length + 1 + add.length > 76);
    if (canFold && lineLength + add.length > FOLD_AT_CHARS) {
      out += "\r\n" + add;
      lineLength = add.length;
    } else {
      out += add;
      lineLength += add.length;
    }
    if (piece.text !== "") hasContent = true;
  }
  return out + "\r\n";
}
