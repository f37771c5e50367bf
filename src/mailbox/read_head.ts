/**
 * Reading only the start of a message file: enough for its header section
 * (IMAP header FETCH, ENVELOPE, SEARCH on headers) without the body.
 */

const CHUNK_BYTES = 4096;

/**
 * Reads `path` until the blank line ending the header section (included)
 * or `maxBytes`, whichever comes first; the whole file if it is shorter.
 */
export async function readHead(path: string, maxBytes: number): Promise<Uint8Array> {
  const file = await Deno.open(path, { read: true });
  try {
    let buffer = new Uint8Array(Math.min(CHUNK_BYTES, maxBytes));
    let length = 0;
    while (length < maxBytes) {
      if (length === buffer.length) {
        const bigger = new Uint8Array(Math.min(buffer.length * 2, maxBytes));
        bigger.set(buffer);
        buffer = bigger;
      }
      const read = await file.read(buffer.subarray(length));
      if (read === null) break;
      const scanFrom = Math.max(0, length - 3);
      length += read;
      const end = headerEnd(buffer, scanFrom, length);
      if (end >= 0) return buffer.slice(0, end);
    }
    return buffer.slice(0, length);
  } finally {
    file.close();
  }
}

/** The offset just past the first blank line (CRLF CRLF or LF LF) in `buffer[from, to)`, or -1. */
function headerEnd(buffer: Uint8Array, from: number, to: number): number {
  if (from === 0 && (buffer[0] === 10 || (buffer[0] === 13 && buffer[1] === 10))) {
    return buffer[0] === 10 ? 1 : 2;
  }
  for (let i = from; i < to; i++) {
    if (buffer[i] !== 10) continue;
    if (buffer[i + 1] === 10 && i + 1 < to) return i + 2;
    if (buffer[i + 1] === 13 && buffer[i + 2] === 10 && i + 2 < to) return i + 3;
  }
  return -1;
}
