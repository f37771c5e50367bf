/**
 * Input a paused transport held back is handed over the moment the
 * connection resumes it, from inside `resume()`, as the Transport contract
 * allows and TcpTransport does with its held chunks. A read waiting for more
 * input must see those bytes: a peer that sent its last bytes while we were
 * paused (a large pipelined message and its end) must not wait for ever.
 */
import assert from "node:assert/strict";
import { type ByteConsumer, Connection } from "../../src/net/mod.ts";
import { HIGH_WATER_BYTES } from "../../src/net/buffer_limits.ts";
import type { Transport, TransportEvents } from "../../src/net/transport.ts";

/** A transport fed by the test; while paused it holds chunks, delivered in `resume`. */
class HeldTransport implements Transport {
  readonly remoteAddress = "127.0.0.1";
  readonly remotePort = 1;
  readonly writableLength = 0;
  readonly isWritable = true;
  isDestroyed = false;
  isPaused = false;
  #events: TransportEvents | null = null;
  #held: Uint8Array[] = [];
  listen(events: TransportEvents | null): void {
    this.#events = events;
  }
  /** Bytes from the peer: delivered now, or held while paused. */
  receive(chunk: Uint8Array): void {
    if (this.isPaused) this.#held.push(chunk);
    else this.#events?.data(chunk);
  }
  pause(): void {
    this.isPaused = true;
  }
  resume(): void {
    this.isPaused = false;
    while (this.#held.length > 0 && !this.isPaused) this.#events?.data(this.#held.shift()!);
  }
  write(_data: string | Uint8Array, done?: () => void): void {
    done?.();
  }
  end(): void {}
  destroy(): void {
    this.isDestroyed = true;
  }
}

/** Takes every byte until `total` arrived. */
function counting(total: number): ByteConsumer & { received: number } {
  return {
    received: 0,
    push(chunk) {
      const used = Math.min(chunk.length, total - this.received);
      this.received += used;
      return { used, done: this.received === total };
    },
  };
}

Deno.test("a read that resumes a paused transport sees the input it held back", async () => {
  const transport = new HeldTransport();
  const connection = new Connection(transport, { idleTimeoutMs: 2_000 });
  try {
    transport.receive(new Uint8Array(HIGH_WATER_BYTES + 1));
    assert.ok(transport.isPaused, "paused past the high-water mark");
    transport.receive(new Uint8Array(10)); // the peer's last bytes, held
    const consumer = counting(HIGH_WATER_BYTES + 11);
    const outcome = await connection.readInto(consumer);
    assert.equal(outcome, "done", `read ${consumer.received} bytes`);
  } finally {
    connection.destroy();
  }
});

Deno.test("a line read that resumes a paused transport sees the line end it held back", async () => {
  const transport = new HeldTransport();
  const connection = new Connection(transport, { idleTimeoutMs: 2_000 });
  try {
    const noops = Math.floor(HIGH_WATER_BYTES / 6) + 1;
    const lines = new TextEncoder().encode("NOOP\r\n".repeat(noops));
    transport.receive(lines);
    assert.ok(transport.isPaused, "paused past the high-water mark");
    transport.receive(new TextEncoder().encode("QUIT\r\n"));
    let read = await connection.readLine(512);
    let count = 0;
    while (read.kind === "line" && read.text === "NOOP") {
      count++;
      read = await connection.readLine(512);
    }
    assert.equal(count, noops);
    assert.deepEqual(read.kind === "line" ? read.text : read.kind, "QUIT");
  } finally {
    connection.destroy();
  }
});
