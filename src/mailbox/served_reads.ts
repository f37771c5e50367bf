/**
 * Reading a message file as it is served (see line_ends.ts): a file of ours
 * as it is stored, with no more work than before; a file with bare LFs
 * through `CrlfLines`, so that every reader (IMAP FETCH and its sections,
 * partials, BODYSTRUCTURE, SEARCH, POP3) sees the same CRLF bytes, and
 * offsets count them. `measureFile` counts a file's served size.
 */
import { BIG_FILE_BYTES, readWholeFile } from "../spool/mod.ts";
import { CrlfLines, type LineEnds } from "./line_ends.ts";
import { readHead } from "./read_head.ts";
import { type PieceVisitor, readPieces } from "./read_pieces.ts";

/** What a read needs to know of a listed file. */
export interface ServedFile {
  readonly sizeBytes: number;
  readonly lineEnds: LineEnds;
}

/** The whole message as served; a converted one fills one buffer of its served size. */
export async function readServedMessage(path: string, file: ServedFile): Promise<Uint8Array> {
  if (file.lineEnds === "crlf") {
    return file.sizeBytes > BIG_FILE_BYTES ? readWholeFile(path) : Deno.readFile(path);
  }
  // Not the file read whole and then converted: a 20 MB message would be held twice.
  let out = new Uint8Array(file.sizeBytes);
  let length = 0;
  const lines = new CrlfLines();
  await readPieces(path, (piece) => {
    const served = lines.convert(piece);
    if (length + served.length > out.length) {
      // A size that was wrong (a `,W=` another program got wrong, a file changed meanwhile).
      const bigger = new Uint8Array(Math.max(out.length * 2, length + served.length));
      bigger.set(out.subarray(0, length));
      out = bigger;
    }
    out.set(served, length);
    length += served.length;
  });
  return length === out.length ? out : out.subarray(0, length);
}

/**
 * The message as served, piece by piece from served offset `fromByte`
 * (`readPieces`). A converted file is read from its start, since its
 * offsets are not the served ones.
 */
export function readServedPieces(
  path: string,
  file: ServedFile,
  range: { visit: PieceVisitor; fromByte: number },
): Promise<void> {
  if (file.lineEnds === "crlf") return readPieces(path, range.visit, range.fromByte);
  const lines = new CrlfLines();
  let skipped = 0;
  return readPieces(path, (piece) => {
    let served = lines.convert(piece);
    if (skipped < range.fromByte) {
      const skip = Math.min(range.fromByte - skipped, served.length);
      skipped += skip;
      served = served.subarray(skip);
      if (served.length === 0) return true;
    }
    return range.visit(served);
  });
}

/** The header section as served (`readHead`; `maxBytes` counts the stored bytes). */
export async function readServedHead(
  path: string,
  file: ServedFile,
  maxBytes: number,
): Promise<Uint8Array> {
  const head = await readHead(path, maxBytes);
  return file.lineEnds === "crlf" ? head : new CrlfLines().convert(head);
}

/** A file's stored and served sizes, counted from its bytes in pieces. */
export async function measureFile(
  path: string,
): Promise<{ storedBytes: number; sizeBytes: number; lineEnds: LineEnds }> {
  let storedBytes = 0;
  const lines = new CrlfLines();
  await readPieces(path, (piece) => {
    storedBytes += piece.length;
    lines.count(piece);
  });
  const sizeBytes = storedBytes + lines.addedBytes;
  return { storedBytes, sizeBytes, lineEnds: lines.addedBytes === 0 ? "crlf" : "lf" };
}
