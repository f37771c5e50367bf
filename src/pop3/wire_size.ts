/**
 * The size of a message as RETR sends it (RFC 1939 11: LIST and STAT count
 * the octets with CRLF line ends, which may differ from the stored size).
 * A file stored with bare LFs (IMAP APPEND keeps a client's bytes as they
 * are, other Maildir writers use LF) or without a final line end grows on the
 * wire, so its size is counted from its bytes once and remembered: Maildir
 * files never change under their base name.
 */
import { MessageGoneError, type MessageInfo } from "../mailbox/mod.ts";

const CR = 13;
const LF = 10;
/** How many base names the cache remembers before it forgets the oldest. */
const MAX_CACHED_SIZES = 100_000;

/** The octets of `bytes` with every line ended by CRLF, before dot-stuffing. */
export function wireSizeOf(bytes: Uint8Array): number {
  let size = bytes.length;
  for (let lf = bytes.indexOf(LF); lf >= 0; lf = bytes.indexOf(LF, lf + 1)) {
    if (lf === 0 || bytes[lf - 1] !== CR) size++;
  }
  if (bytes.length > 0 && bytes[bytes.length - 1] !== LF) size += 2;
  return size;
}

/** Wire sizes by account and Maildir base name, shared by the sessions of one server. */
export class WireSizeCache {
  readonly #sizes = new Map<string, number>();

  /**
   * The wire size of each message, reading the ones not seen before with
   * `read`; a message removed meanwhile keeps its stored size (RETR refuses it).
   */
  async sizesOf(
    account: string,
    messages: readonly MessageInfo[],
    read: (message: MessageInfo) => Promise<Uint8Array>,
  ): Promise<number[]> {
    const sizes: number[] = [];
    for (const message of messages) {
      const key = `${account}\0${message.base}`;
      let size = this.#sizes.get(key);
      if (size === undefined) {
        try {
          size = wireSizeOf(await read(message));
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
