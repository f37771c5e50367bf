/**
 * Holds a message while it is being received: in memory while small, in a
 * temporary file once it grows, so a 25 MB message does not sit in memory.
 */

const SPILL_BYTES = 512 * 1024;

/** Collects the bytes of one incoming message. */
export class MessageBuffer {
  #chunks: Uint8Array[] = [];
  #memoryBytes = 0;
  #file: Deno.FsFile | null = null;
  #filePath: string;
  #writing: Promise<void> = Promise.resolve();
  #error: unknown = null;
  #hasSpilled = false;
  size = 0;

  /** `spillPath` is where the file goes if the message outgrows memory. */
  constructor(spillPath: string) {
    this.#filePath = spillPath;
  }

  /** Appends a copy of `bytes` (the caller may reuse its buffer). */
  append(bytes: Uint8Array): void {
    this.size += bytes.length;
    this.#chunks.push(bytes.slice());
    this.#memoryBytes += bytes.length;
    if (this.#memoryBytes >= SPILL_BYTES) this.#spill();
  }

  #spill(): void {
    this.#hasSpilled = true;
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#memoryBytes = 0;
    this.#writing = this.#writing.then(async () => {
      if (this.#error) return;
      try {
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
  }

  /** The first bytes of the message (for header checks), up to `limit`. */
  async head(limit: number): Promise<Uint8Array> {
    await this.#writing;
    if (this.#file) {
      const file = await Deno.open(this.#filePath, { read: true });
      try {
        const out = new Uint8Array(Math.min(limit, this.size));
        let got = 0;
        while (got < out.length) {
          const n = await file.read(out.subarray(got));
          if (n === null) break;
          got += n;
        }
        return out.subarray(0, got);
      } finally {
        file.close();
      }
    }
    return concat(this.#chunks, limit);
  }

  /**
   * The message as a list of chunks, or as the spill file's path plus the
   * in-memory tail. Throws if spilling failed.
   */
  async finish(): Promise<{ spillFile: string | null; tail: Uint8Array[] }> {
    await this.#writing;
    if (this.#error) throw this.#error;
    if (this.#file) {
      this.#file.close();
      this.#file = null;
      return { spillFile: this.#filePath, tail: this.#chunks };
    }
    return { spillFile: null, tail: this.#chunks };
  }

  /** Drops the message (refused, connection lost, or stored elsewhere). */
  async discard(): Promise<void> {
    await this.#writing;
    this.#chunks = [];
    if (this.#file) {
      this.#file.close();
      this.#file = null;
    }
    if (this.#hasSpilled) await Deno.remove(this.#filePath).catch(() => {});
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
