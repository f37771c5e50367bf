/**
 * Holds a message while it is being received: in memory while small, in a
 * temporary file once it grows, so a 25 MB message does not sit in memory;
 * and sooner when all messages being received together hold too much (see
 * incoming_memory.ts).
 */
import { incomingMemory } from "./incoming_memory.ts";

const SPILL_BYTES = 512 * 1024;
/**
 * Spilled bytes handed to the file but not yet written, above which the
 * reader should wait (`backlog`): a client faster than the disk would
 * otherwise park the whole message in memory on its way to the file.
 */
const MAX_UNWRITTEN_BYTES = 2 * SPILL_BYTES;
/**
 * Appended bytes are copied into blocks of at least this size: a common
 * message is then one allocation and one contiguous piece, which the header
 * check and the final write take as they are instead of copying it again.
 */
const BLOCK_BYTES = 16 * 1024;
/**
 * Blocks of finished messages, kept (zeroed) for the next ones: at a
 * thousand messages a second, a new 16 KB block each was that much
 * off-heap memory allocated, zeroed and collected. At most 512 KB.
 */
const MAX_KEPT_BLOCKS = 32;
const keptBlocks: Uint8Array[] = [];

function newBlock(minBytes: number): Uint8Array {
  if (minBytes <= BLOCK_BYTES) return keptBlocks.pop() ?? new Uint8Array(BLOCK_BYTES);
  return new Uint8Array(minBytes);
}

/** Collects the bytes of one incoming message. */
export class MessageBuffer {
  /** Full blocks (and pieces handed over by earlier calls), in order. */
  #chunks: Uint8Array[] = [];
  /** The block being filled, and how much of it is. */
  #block: Uint8Array | null = null;
  #blockUsed = 0;
  #memoryBytes = 0;
  /** The blocks of BLOCK_BYTES this buffer filled, handed back once it is discarded. */
  #ownBlocks: Uint8Array[] = [];
  #file: Deno.FsFile | null = null;
  #filePath: string | null = null;
  readonly #spillPath: () => string;
  #writing: Promise<void> = Promise.resolve();
  #error: unknown = null;
  #hasSpilled = false;
  #unwrittenBytes = 0;
  size = 0;

  /**
   * `spillPath` names the file to use if the message outgrows memory (asked
   * only then: most messages never need one).
   */
  constructor(spillPath: string | (() => string)) {
    this.#spillPath = typeof spillPath === "string" ? () => spillPath : spillPath;
  }

  /** Appends a copy of `bytes` (the caller may reuse its buffer). */
  append(bytes: Uint8Array): void {
    this.size += bytes.length;
    this.#memoryBytes += bytes.length;
    incomingMemory.take(bytes.length);
    let rest = bytes;
    if (this.#block !== null) {
      const room = Math.min(rest.length, this.#block.length - this.#blockUsed);
      this.#block.set(rest.subarray(0, room), this.#blockUsed);
      this.#blockUsed += room;
      rest = rest.subarray(room);
    }
    if (rest.length > 0) {
      this.#sealBlock();
      this.#block = newBlock(rest.length);
      if (this.#block.length === BLOCK_BYTES) this.#ownBlocks.push(this.#block);
      this.#block.set(rest);
      this.#blockUsed = rest.length;
    }
    if (
      this.#memoryBytes >= SPILL_BYTES ||
      (this.#memoryBytes >= BLOCK_BYTES && incomingMemory.isPressed)
    ) this.#spill();
  }

  /** Lets go of the account of what is held in memory (spilled or dropped). */
  #forgetMemory(): void {
    incomingMemory.give(this.#memoryBytes);
    this.#memoryBytes = 0;
  }

  /** Moves the filled part of the current block to the chunk list. */
  #sealBlock(): void {
    if (this.#block !== null && this.#blockUsed > 0) {
      this.#chunks.push(this.#block.subarray(0, this.#blockUsed));
    }
    this.#block = null;
    this.#blockUsed = 0;
  }

  /** Everything held in memory, in order, as views (nothing copied). */
  #memoryChunks(): Uint8Array[] {
    this.#sealBlock();
    return this.#chunks;
  }

  /**
   * Null while the file keeps up; else a promise that settles once it has
   * caught up to `MAX_UNWRITTEN_BYTES` or less: the reader waits for it
   * before it takes more from the socket.
   */
  backlog(): Promise<void> | null {
    if (this.#unwrittenBytes <= MAX_UNWRITTEN_BYTES) return null;
    return this.#writing;
  }

  /** Bytes given to the spill file that are not written yet. */
  get unwrittenBytes(): number {
    return this.#unwrittenBytes;
  }

  #spill(): void {
    this.#hasSpilled = true;
    const chunks = this.#memoryChunks();
    const bytes = this.#memoryBytes;
    this.#chunks = [];
    // Unwritten bytes are bounded on their own (`backlog`), per message.
    this.#forgetMemory();
    this.#unwrittenBytes += bytes;
    const written = this.#writing.then(async () => {
      if (this.#error) return;
      try {
        this.#filePath ??= this.#spillPath();
        this.#file ??= await Deno.open(this.#filePath, {
          write: true,
          createNew: true,
          mode: 0o600,
        });
        for (const chunk of chunks) {
          let offset = 0;
          while (offset < chunk.length) offset += await this.#file.write(chunk.subarray(offset));
        }
      } catch (error) {
        this.#error = error;
      }
    });
    this.#writing = written.finally(() => this.#unwrittenBytes -= bytes);
  }

  /**
   * The first bytes of the message (for header checks), up to `limit`: a
   * view of the buffer's own bytes when they are in one piece (read only).
   * Throws if spilling failed: what is left would be a head with a gap.
   */
  async head(limit: number): Promise<Uint8Array> {
    await this.#writing;
    if (this.#error) throw this.#error;
    if (this.#file && this.#filePath !== null) {
      const file = await Deno.open(this.#filePath, { read: true });
      const out = new Uint8Array(Math.min(limit, this.size));
      let got = 0;
      try {
        while (got < out.length) {
          const n = await file.read(out.subarray(got));
          if (n === null) break;
          got += n;
        }
      } finally {
        file.close();
      }
      // Spilled early (all messages together held too much), the file may end before
      // `limit`: the rest of the head is the part still in memory.
      for (const chunk of this.#memoryChunks()) {
        if (got >= out.length) break;
        const piece = chunk.subarray(0, out.length - got);
        out.set(piece, got);
        got += piece.length;
      }
      return out.subarray(0, got);
    }
    const chunks = this.#memoryChunks();
    if (chunks.length === 1) return chunks[0]!.subarray(0, limit);
    return concat(chunks, limit);
  }

  /**
   * The message as a list of chunks, or as the spill file's path plus the
   * in-memory tail. Throws if spilling failed.
   */
  async finish(): Promise<{ spillFile: string | null; tail: Uint8Array[] }> {
    await this.#writing;
    if (this.#error) throw this.#error;
    if (this.#file && this.#filePath !== null) {
      this.#file.close();
      this.#file = null;
      return { spillFile: this.#filePath, tail: this.#memoryChunks() };
    }
    return { spillFile: null, tail: this.#memoryChunks() };
  }

  /**
   * Drops the message (refused, connection lost, or stored elsewhere). Views
   * from `head` and `finish` must no longer be read: the next message's
   * bytes go into the same blocks.
   */
  async discard(): Promise<void> {
    await this.#writing; // the spill's writes read the blocks until then
    this.#chunks = [];
    this.#block = null;
    this.#blockUsed = 0;
    this.#forgetMemory();
    for (const block of this.#ownBlocks) {
      if (keptBlocks.length >= MAX_KEPT_BLOCKS || keptBlocks.includes(block)) break;
      block.fill(0); // one sender's message must not be there for a bug to show another
      keptBlocks.push(block);
    }
    this.#ownBlocks = [];
    if (this.#file) {
      this.#file.close();
      this.#file = null;
    }
    if (this.#hasSpilled && this.#filePath !== null) {
      await Deno.remove(this.#filePath).catch(() => {});
    }
  }
}

/** Joins chunks into one array, stopping after `limit` bytes. */
export function concat(chunks: readonly Uint8Array[], limit = Infinity): Uint8Array {
  let total = 0;
  for (const chunk of chunks) total += chunk.length;
  const out = new Uint8Array(Math.min(total, limit));
  let offset = 0;
  for (const chunk of chunks) {
    if (offset >= out.length) break;
    const piece = chunk.subarray(0, out.length - offset);
    out.set(piece, offset);
    offset += piece.length;
  }
  return out;
}
