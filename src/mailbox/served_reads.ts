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
  // Not the file read whole and then converted: a 20 MB message would be held twice. The
  // listed size is a name's `,W=` (or a count that the file may have outgrown since): no
  // more than twice the file's bytes, which CRLF lines can never exceed (isPossibleWireSize).
  const fileBytes = (await Deno.stat(path)).size;
  let out = new Uint8Array(Math.min(file.sizeBytes, 2 * fileBytes));
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
 * A place where a converted file's stored and served offsets are known to
 * meet: the start of a piece once read. A converted file's offsets are not
 * the served ones, so a read from a served offset starts at the last mark
 * before it rather than at the file's start: Thunderbird fetches a big
 * message in 64 KB partials, and each read from the start made 517 MB of
 * reads of an 8 MB file.
 */
export interface ServedMark {
  readonly storedByte: number;
  readonly servedByte: number;
  /** The stored byte before it is a CR. */
  readonly isAfterCr: boolean;
}

/**
 * The message as served, piece by piece from served offset `fromByte`
 * (`readPieces`). For a converted file, `marks` (kept by the caller, in
 * order) say where to start, and gain the pieces this read passes.
 */
export function readServedPieces(
  path: string,
  file: ServedFile,
  range: { visit: PieceVisitor; fromByte: number; marks?: ServedMark[] },
): Promise<void> {
  if (file.lineEnds === "crlf") return readPieces(path, range.visit, range.fromByte);
  const marks = range.marks ?? [];
  const start = lastMarkAtOrBefore(marks, range.fromByte);
  const lines = new CrlfLines(start.isAfterCr);
  let { storedByte, servedByte } = start;
  return readPieces(path, (piece) => {
    noteMark(marks, { storedByte, servedByte, isAfterCr: lines.isAfterCr });
    let served = lines.convert(piece);
    const skip = Math.max(0, Math.min(range.fromByte - servedByte, served.length));
    storedByte += piece.length;
    servedByte += served.length;
    if (skip > 0) served = served.subarray(skip);
    return served.length === 0 ? true : range.visit(served);
  }, start.storedByte);
}

const FILE_START: ServedMark = { storedByte: 0, servedByte: 0, isAfterCr: false };

/** The last of `marks` at or before served offset `servedByte` (the file's start without one). */
function lastMarkAtOrBefore(marks: readonly ServedMark[], servedByte: number): ServedMark {
  let low = 0;
  let high = marks.length - 1;
  let found = FILE_START;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const mark = marks[mid] as ServedMark;
    if (mark.servedByte <= servedByte) {
      found = mark;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return found;
}

/** Adds `mark` if it lies past the last one (`marks` stay in order). */
function noteMark(marks: ServedMark[], mark: ServedMark): void {
  if (mark.storedByte > (marks.at(-1)?.storedByte ?? 0)) marks.push(mark);
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

/** A file's stored and served sizes, counted from its bytes in pieces (noting `marks` on the way). */
export async function measureFile(
  path: string,
  marks: ServedMark[] = [],
): Promise<{ storedBytes: number; sizeBytes: number; lineEnds: LineEnds }> {
  let storedBytes = 0;
  const lines = new CrlfLines();
  await readPieces(path, (piece) => {
    const servedByte = storedBytes + lines.addedBytes;
    noteMark(marks, { storedByte: storedBytes, servedByte, isAfterCr: lines.isAfterCr });
    storedBytes += piece.length;
    lines.count(piece);
  });
  const sizeBytes = storedBytes + lines.addedBytes;
  return { storedBytes, sizeBytes, lineEnds: lines.addedBytes === 0 ? "crlf" : "lf" };
}
