/** Byte-preserving text views of messages: one char per byte (ISO-8859-1). */

const decoder = new TextDecoder("latin1");

/** Bytes as a string of U+0000..U+00FF, one char per byte. */
export function toLatin1(bytes: Uint8Array): string {
  // TextDecoder("latin1") is windows-1252, which remaps 0x80..0x9F; decode by hand there.
  let isSafe = true;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte >= 0x80 && byte <= 0x9f) {
      isSafe = false;
      break;
    }
  }
  if (isSafe) return decoder.decode(bytes);
  let out = "";
  const CHUNK = 8192;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    out += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return out;
}

/** The inverse of {@link toLatin1}. */
export function fromLatin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}
