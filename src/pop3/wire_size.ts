/**
 * The size of a message as RETR sends it (RFC 1939 11: LIST and STAT count
 * the octets with CRLF line ends, which may differ from the stored size).
 * A file stored with bare LFs (IMAP APPEND keeps a client's bytes as they
 * are, other Maildir writers use LF) or without a final line end grows on the
 * wire, so its size is counted from its bytes once and remembered: Maildir
 * files never change under their base name.
 */
import {
  CrlfLines,
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

/** Wire sizes by account and Maildir base name, shared by the sessions of one server. */
export class WireSizeCache {
  readonly #sizes = new Map<string, number>();

  /**
   * The wire size of each message, reading the ones not seen before in
   * pieces with `read`; a message removed meanwhile keeps its stored size
   * (RETR refuses it).
   */
  async sizesOf(
    account: string,
    messages: readonly MessageInfo[],
    read: (message: MessageInfo, visit: PieceVisitor) => Promise<void>,
  ): Promise<number[]> {
    const sizes: number[] = [];
    for (const message of messages) {
      const key = `${account}\0${message.base}`;
      let size = this.#sizes.get(key);
      if (size === undefined) {
        try {
          const count = new WireSizeCount();
          await read(message, (piece) => count.add(piece));
          size = count.total;
        } catch (error) {
          if (!(error instanceof MessageGoneError)) throw error;
          sizes.push(message.sizeBytes);
          continue;
        }
        this.#remember(key, size);
      }
      sizes.push(size);
    }
    return sizes;
  }

  #remember(key: string, size: number): void {
    this.#sizes.set(key, size);
    if (this.#sizes.size <= MAX_CACHED_SIZES) return;
    const oldest = this.#sizes.keys().next();
    if (!oldest.done) this.#sizes.delete(oldest.value);
  }
}
