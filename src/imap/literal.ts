/**
 * Literal markers at the end of a command line: `{n}` (synchronising: the
 * client waits for `+`) and `{n+}` (LITERAL+, RFC 7888: the bytes follow at once).
 */

/** A literal announced at the end of a line. */
export interface LiteralMarker {
  sizeBytes: number;
  isSynchronising: boolean;
  /** The line without the marker. */
  before: string;
}

// Any number of digits (leading zeros too): a size past any limit is refused, never
// mistaken for text while its bytes follow (LITERAL+).
const MARKER = /\{([0-9]+)(\+?)\}$/;

/** Finds a literal marker ending `line`, or null. */
export function findLiteralMarker(line: string): LiteralMarker | null {
  const match = MARKER.exec(line);
  if (match === null) return null;
  return {
    sizeBytes: Number(match[1]),
    isSynchronising: match[2] !== "+",
    before: line.slice(0, match.index),
  };
}

const encoder = new TextEncoder();

/**
 * Splits a complete command as it would appear on the wire (lines joined
 * by CRLF, literal bytes after their markers) into a `RawCommand`. Used by
 * tests and tools; the session builds the same shape while reading.
 */
export function rawCommandFromWire(wire: string): { texts: string[]; literals: Uint8Array[] } {
  const texts: string[] = [];
  const literals: Uint8Array[] = [];
  let rest = wire;
  while (true) {
    const eol = rest.indexOf("\r\n");
    const line = eol < 0 ? rest : rest.slice(0, eol);
    const marker = eol < 0 ? null : findLiteralMarker(line);
    if (marker === null) {
      texts.push(line);
      return { texts, literals };
    }
    texts.push(marker.before);
    const body = rest.slice(eol + 2);
    literals.push(encoder.encode(body.slice(0, marker.sizeBytes)));
    rest = body.slice(marker.sizeBytes);
  }
}
