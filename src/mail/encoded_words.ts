/**
 * Header text as people read it: raw 8-bit header bytes taken as UTF-8
 * (RFC 6532) when they are valid UTF-8, else Latin-1, and RFC 2047 encoded
 * words (`=?charset?Q|B?text?=`) decoded, with the blanks between adjacent
 * encoded words dropped (RFC 2047 6.2). Pure; works on binary strings (one
 * char per byte, see `bytesToBinary`).
 */
import { Buffer } from "node:buffer";

// RFC 2047 2: charset and encoded-text are printable ASCII without "?" or SPACE, and
// encoded-text has at least one character. Anything else ("=?utf-8?q??=", 8-bit text)
// is not an encoded word and is shown as written (RFC 2047 6.1, 6.3).
const ENCODED_WORD = /=\?([\x21-\x3e\x40-\x7e]+)\?([QqBb])\?([\x21-\x3e\x40-\x7e]+)\?=/g;

/** Bytes in `charset` -> text; unknown charsets fall back to UTF-8 if valid, else Latin-1. */
export function decodeCharset(bytes: Uint8Array, charset: string): string {
  const label = charset.replace(/\*.*$/, "").trim().toLowerCase(); // RFC 2231 "*lang"
  try {
    return new TextDecoder(label || "utf-8").decode(bytes);
  } catch {
    return decodeUtf8OrLatin1(bytes);
  }
}

/** UTF-8 when the bytes are valid UTF-8, else Latin-1 (never throws). */
export function decodeUtf8OrLatin1(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return Buffer.from(bytes).toString("latin1");
  }
}

/** Binary string -> bytes. */
function toBytes(binary: string): Uint8Array {
  return new Uint8Array(Buffer.from(binary, "latin1"));
}

/** The bytes an encoded word's text stands for. */
function wordBytes(encoding: string, text: string): Uint8Array {
  if (encoding.toUpperCase() === "B") return new Uint8Array(Buffer.from(text, "base64"));
  const binary = text.replace(/_/g, " ").replace(
    /=([0-9A-Fa-f]{2})/g,
    (_, hex: string) => String.fromCharCode(parseInt(hex, 16)),
  );
  return toBytes(binary);
}

/**
 * Decodes a header value given as a binary string: 8-bit bytes as UTF-8 (or
 * Latin-1), then encoded words. Adjacent encoded words in the same charset
 * are joined before decoding, so a multi-byte character split across two
 * words survives.
 */
export function decodeHeaderText(binary: string): string {
  const text = /[\x80-\xff]/.test(binary) ? decodeUtf8OrLatin1(toBytes(binary)) : binary;
  let out = "";
  let last = 0;
  let pending: { charset: string; bytes: Uint8Array[] } | null = null;
  const flush = () => {
    if (pending === null) return;
    out += decodeCharset(concatBytes(pending.bytes), pending.charset);
    pending = null;
  };
  for (const match of text.matchAll(ENCODED_WORD)) {
    const [word, charset, encoding, encoded] = match as unknown as [string, string, string, string];
    const between = text.slice(last, match.index);
    const isAdjacent = pending !== null && /^[ \t\r\n]*$/.test(between);
    if (!isAdjacent) {
      flush();
      out += between;
    }
    const bytes = wordBytes(encoding, encoded);
    const current = pending as { charset: string; bytes: Uint8Array[] } | null;
    if (current !== null && current.charset.toLowerCase() === charset.toLowerCase()) {
      current.bytes.push(bytes);
    } else {
      flush();
      pending = { charset, bytes: [bytes] };
    }
    last = match.index + word.length;
  }
  flush();
  return out + text.slice(last);
}

function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const joined = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    joined.set(chunk, at);
    at += chunk.length;
  }
  return joined;
}
