/**
 * What `Connection.readLine` keeps of a line too long to return, as its
 * bytes are dropped: the first and the last `LINE_EDGE_BYTES`, enough to tell
 * an IMAP command's tag and whether the line ended in a literal marker whose
 * bytes are on their way.
 */
import { LINE_EDGE_BYTES } from "./input.ts";

const CR = 13;
const decoder = new TextDecoder();

/** The edges of one overlong line; made only once a line turns out too long. */
export class OverlongLine {
  #head: Uint8Array | null = null;
  #tail: Uint8Array = new Uint8Array(0);

  /** Notes bytes of the line dropped before its end arrived. */
  drop(bytes: Uint8Array): void {
    this.#head ??= bytes.slice(0, LINE_EDGE_BYTES);
    this.#tail = lastBytes(this.#tail, bytes, LINE_EDGE_BYTES + 1);
  }

  /** The line's first and last bytes as text, once `last` (its bytes before the LF) arrived. */
  edges(last: Uint8Array): { head: string; tail: string } {
    let end = lastBytes(this.#tail, last, LINE_EDGE_BYTES + 1);
    // A CR dropped with the bytes before, its LF arriving only now.
    if (last.length === 0 && end.at(-1) === CR) end = end.subarray(0, -1);
    return {
      head: decoder.decode((this.#head ?? last).subarray(0, LINE_EDGE_BYTES)),
      tail: decoder.decode(end.subarray(Math.max(0, end.length - LINE_EDGE_BYTES))),
    };
  }
}

/** The last `keepBytes` of `before` followed by `more` (a copy). */
function lastBytes(before: Uint8Array, more: Uint8Array, keepBytes: number): Uint8Array {
  const joined = new Uint8Array(before.length + Math.min(more.length, keepBytes));
  joined.set(before);
  joined.set(more.subarray(more.length - (joined.length - before.length)), before.length);
  return joined.slice(Math.max(0, joined.length - keepBytes));
}
