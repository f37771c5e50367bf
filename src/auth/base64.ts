/**
 * Strict base64 (RFC 4648 section 4) for SASL and password hashes.
 *
 * `Uint8Array.fromBase64` skips ASCII whitespace even in strict mode, so the
 * alphabet and the padding are checked here first: a SASL response with a
 * stray space, a missing `=` or non-zero padding bits is junk, not a guess.
 */

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes padded standard base64; null for any other input (junk, bad padding, spaces). */
export function decodeStrictBase64(text: string): Uint8Array | null {
  if (!STRICT_BASE64.test(text)) return null;
  try {
    return Uint8Array.fromBase64(text, { lastChunkHandling: "strict" });
  } catch {
    return null;
  }
}

/** Encodes bytes as padded standard base64. */
export function encodeBase64(bytes: Uint8Array): string {
  return bytes.toBase64();
}
