/**
 * The size of a message as RETR sends it (RFC 1939 11: LIST and STAT count
 * the octets with CRLF line ends, which may differ from the stored size).
 * A file served with bare LFs (another program's without a trusted `,W=`,
 * or a file an earlier version APPENDed as the client sent it) or without a
 * final line end grows on the wire. Where the name gives the served size,
 * the last byte decides the rest; any other file is counted from its bytes.
 * Either way once: Maildir files never change under their base name.
 */
import {
  CrlfLines,
  type FileEnd,
  MessageGoneError,
  type MessageInfo,
  type PieceVisitor,
} from "../mailbox/mod.ts";

const LF = 10;
/** How many base names the cache remembers before it forgets the oldest. */
const MAX_CACHED_SIZES = 100_000;

/** The octets of `bytes` with every line ended by CRLF, before dot-stuffing. */
export function wireSizeOf(bytes: Uint8Array): number {
  const count = new WireSizeCount();
  count.add(bytes);
  return count.total;
}

/**
 * `wireSizeOf` over a message read in pieces (a 25 MB message need not be
 * in memory to be counted): the bare LFs as IMAP serves them (`CrlfLines`,
 * which pairs a CR ending one piece with an LF starting the next), and the
 * CRLF POP3 adds to a last line without one.
 */
export class WireSizeCount {
  #storedBytes = 0;
  readonly #lines = new CrlfLines();
  #lastByte = -1;

  /** Counts the next piece. */
  add(bytes: Uint8Array): void {
    this.#storedBytes += bytes.length;
    this.#lines.count(bytes);
    if (bytes.length > 0) this.#lastByte = bytes[bytes.length - 1] as number;
  }

  /** The size so far, with the CRLF a last line without one is sent with. */
  get total(): number {
    const size = this.#storedBytes + this.#lines.addedBytes;
    return this.#lastByte === -1 || this.#lastByte === LF ? size : size + 2;
  }
}

/** What `WireSizeCache` reads a mailbox's files through (a `Mailbox` in the server). */
export interface WireSizeSource {
  /** The end of each file whose name gives its served size (`Mailbox.fileEnds`). */
  fileEnds(uids: readonly number[]): Promise<Map<number, FileEnd>>;
  /** Every served byte of a message, in pieces (`Mailbox.readMessagePieces`). */
  readPieces(message: MessageInfo, visit: PieceVisitor): Promise<void>;
}

/** Wire sizes by account and Maildir base name, shared by the sessions of one server. */
export class WireSizeCache {
  readonly #sizes = new Map<string, number>();

  /**
   * The wire size of each message. One not seen before whose name gives its
   * served size (ours, a trusted `,W=`: served with CRLF line ends, see
   * line_ends.ts) needs only its last byte; any other is read whole in
   * pieces. A message removed meanwhile keeps its listed size (RETR refuses it).
   */
  async sizesOf(
    account: string,
    messages: readonly MessageInfo[],
    files: WireSizeSource,
  ): Promise<number[]> {
    const keys = messages.map((message) => `${account}\0${message.base}`);
    const unknown = messages.filter((_message, i) => !this.#sizes.has(keys[i] as string));
    const ends = unknown.length === 0
      ? new Map<number, FileEnd>()
      : await files.fileEnds(unknown.map((message) => message.uid));
    const sizes: number[] = [];
    for (const [i, message] of messages.entries()) {
      const key = keys[i] as string;
      const cached = this.#sizes.get(key);
      if (cached !== undefined) {
        sizes.push(cached);
        continue;
      }
      const end = ends.get(message.uid) ?? { kind: "count" };
      const size = end.kind === "end"
        ? sizeFromEnd(end)
        : end.kind === "gone"
        ? null
        : await countSize(message, files);
      if (size !== null) this.#remember(key, size);
      sizes.push(size ?? message.sizeBytes);
    }
    return sizes;
  }

  /**
   * Takes `size` for `base` from now on: RETR sent it that many octets, not
   * the size listed (a name of ours on a file an earlier version APPENDed
   * with bare LFs, which RETR sends with CRLF; a file edited in place).
   */
  correct(account: string, base: string, size: number): void {
    const key = `${account}\0${base}`;
    this.#sizes.delete(key);
    this.#remember(key, size);
  }

  #remember(key: string, size: number): void {
    this.#sizes.set(key, size);
    if (this.#sizes.size <= MAX_CACHED_SIZES) return;
    const oldest = this.#sizes.keys().next();
    if (!oldest.done) this.#sizes.delete(oldest.value);
  }
}

/** The wire sizes of the messages POP3 sessions have listed, for every server in the process. */
export const WIRE_SIZES = new WireSizeCache();

/** A served size plus the CRLF RETR adds after a last byte that is not LF (`WireSizeCount`). */
function sizeFromEnd(end: { servedBytes: number; lastByte: number | null }): number {
  return end.lastByte === null || end.lastByte === LF ? end.servedBytes : end.servedBytes + 2;
}

/** The wire size of `message` counted from all its bytes; null when it is gone. */
async function countSize(message: MessageInfo, files: WireSizeSource): Promise<number | null> {
  try {
    const count = new WireSizeCount();
    await files.readPieces(message, (piece) => count.add(piece));
    return count.total;
  } catch (error) {
    if (!(error instanceof MessageGoneError)) throw error;
    return null;
  }
}
