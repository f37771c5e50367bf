/** What a Connection's reader hands out: lines, and raw bytes to a consumer. */

/** What `readLine` found. */
export type LineRead =
  | {
    kind: "line";
    /** The line as UTF-8; bytes that are not UTF-8 read as U+FFFD (see `hasInvalidUtf8`). */
    text: string;
    hasBareLf: boolean;
    octets: number;
    /** True when the line held bytes that are not UTF-8 (they read as U+FFFD in `text`). */
    hasInvalidUtf8: boolean;
  }
  | {
    kind: "too-long";
    /**
     * The line's first bytes and its last bytes (up to `LINE_EDGE_BYTES` each, without
     * the line end), as UTF-8: enough to tell the tag of an overlong IMAP command and
     * whether it ended in a literal marker whose bytes are on their way.
     */
    head: string;
    tail: string;
  }
  | { kind: "eof" }
  | { kind: "timeout" };

/** How much of each end of an overlong line `readLine` keeps (see the "too-long" read). */
export const LINE_EDGE_BYTES = 64;

/** A consumer of raw bytes (DATA, BDAT) that says how much it took and whether it is done. */
export interface ByteConsumer {
  /** Consumes from `chunk`; returns how many bytes it used and whether it wants no more. */
  push(chunk: Uint8Array): { used: number; done: boolean };
  /** A wait before more input is taken (the consumer's own output is behind), or null. */
  backlog?(): Promise<void> | null;
}

const strictDecoder = new TextDecoder("utf-8", { fatal: true });

/** Whether `bytes`, which decoded with a U+FFFD in them, are not valid UTF-8 (a sent U+FFFD is). */
export function isInvalidUtf8(bytes: Uint8Array): boolean {
  try {
    strictDecoder.decode(bytes);
    return false;
  } catch {
    return true;
  }
}
