/**
 * Plays one recorded client session over a raw socket with its bytes cut
 * into writes in different ways, and returns everything the server sent back
 * until it closed. A server must answer the same whatever the segmentation:
 * TCP may split a command anywhere, or coalesce a whole session into one read.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** How a session's bytes are written: where the writes end (offsets into the bytes). */
export type Segmentation = { name: string; cuts: number[] };

/** A session: the client's bytes, and the spans worth cutting inside (offset, length). */
export interface Session {
  bytes: Uint8Array;
  tricky: { at: number; length: number }[];
}

/**
 * Builds a session from parts: strings are plain, `{ tricky }` parts are also
 * remembered as spans to cut inside.
 */
export function session(...parts: (string | { tricky: string })[]): Session {
  const pieces: Uint8Array[] = [];
  const tricky: { at: number; length: number }[] = [];
  let at = 0;
  for (const part of parts) {
    const bytes = encoder.encode(typeof part === "string" ? part : part.tricky);
    if (typeof part !== "string") tricky.push({ at, length: bytes.length });
    pieces.push(bytes);
    at += bytes.length;
  }
  const bytes = new Uint8Array(at);
  let offset = 0;
  for (const piece of pieces) {
    bytes.set(piece, offset);
    offset += piece.length;
  }
  return { bytes, tricky };
}

/** `text` as session parts whose first and last `n` characters are tricky spans. */
export function edges(text: string, n = 6): (string | { tricky: string })[] {
  if (text.length <= 2 * n) return [{ tricky: text }];
  return [{ tricky: text.slice(0, n) }, text.slice(n, -n), { tricky: text.slice(-n) }];
}

/**
 * The segmentations tried for `s`: all at once, one write per line, one byte
 * per write, and for each offset j into the tricky spans one run that cuts
 * every span (long enough) at j: the spans are cut at every position in as
 * many runs as the longest span has bytes, not one run per position.
 */
export function segmentations(s: Session, options: { bytewise?: boolean } = {}): Segmentation[] {
  const all: Segmentation[] = [{ name: "whole", cuts: [] }];
  const lineEnds: number[] = [];
  for (let i = 0; i < s.bytes.length - 1; i++) if (s.bytes[i] === 10) lineEnds.push(i + 1);
  all.push({ name: "lines", cuts: lineEnds });
  if (options.bytewise ?? true) {
    all.push({ name: "bytes", cuts: [...Array(s.bytes.length - 1).keys()].map((i) => i + 1) });
  }
  const longest = Math.max(0, ...s.tricky.map((span) => span.length));
  for (let j = 1; j < longest; j++) {
    const cuts = s.tricky.filter((span) => span.length > j).map((span) => span.at + j);
    all.push({ name: `tricky+${j}`, cuts });
  }
  return all;
}

/**
 * Connects to `port` (over TLS with `caCerts`), writes `s` cut at `cuts` (a short pause after each
 * write so the server reads them apart), and returns all it received until
 * the server closed the connection.
 */
export async function play(
  port: number,
  s: Session,
  cuts: number[],
  options: { caCerts?: string[] } = {},
): Promise<string> {
  // With `caCerts`, implicit TLS: each write is a TLS record of its own.
  const conn = options.caCerts
    ? await Deno.connectTls({ hostname: "localhost", port, caCerts: options.caCerts })
    : await Deno.connect({ hostname: "127.0.0.1", port });
  if (!options.caCerts) (conn as Deno.TcpConn).setNoDelay(true);
  const received: Uint8Array[] = [];
  const reading = (async () => {
    const buffer = new Uint8Array(64 * 1024);
    while (true) {
      const count = await conn.read(buffer).catch(() => null);
      if (count === null) return;
      received.push(buffer.slice(0, count));
    }
  })();
  const timer = setTimeout(() => conn.close(), 15_000);
  try {
    const ends = [...new Set(cuts)].filter((c) => c > 0 && c < s.bytes.length).sort((a, b) =>
      a - b
    );
    let start = 0;
    for (const end of [...ends, s.bytes.length]) {
      await writeAll(conn, s.bytes.subarray(start, end));
      start = end;
      if (end < s.bytes.length) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await reading;
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed by the server or the timer */ }
  }
  let size = 0;
  for (const chunk of received) size += chunk.length;
  const all = new Uint8Array(size);
  size = 0;
  for (const chunk of received) {
    all.set(chunk, size);
    size += chunk.length;
  }
  return decoder.decode(all);
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}

/** Base64 of a SASL PLAIN response (RFC 4616) for `user` and `password`. */
export function plainResponse(user: string, password: string): string {
  return btoa(`\0${user}\0${password}`);
}

/** The UTF-8 length of `text` (an IMAP literal's size). */
export function octets(text: string): number {
  return encoder.encode(text).length;
}
