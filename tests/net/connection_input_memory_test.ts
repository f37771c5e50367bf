/**
 * What a connection holds of a peer's input while its reader lags: at most
 * about its pause mark (64 KB) and one socket read, in an array that stays
 * that size, however much the peer sends. Counted in bytes of the arrays
 * made, not in time or RSS.
 */
import assert from "node:assert/strict";
import * as net from "node:net";
import { type ByteConsumer, Connection } from "../../src/net/mod.ts";
import { countingArrays } from "./array_count.ts";
import { listenOnLoopback } from "./loopback_listener.ts";

const TOTAL_BYTES = 8 * 1024 * 1024;
/** Bigger than a socket read (16 KB), so the transport's read buffer and held reads do not count. */
const MIN_COUNTED_BYTES = 32 * 1024;
/** The input array grown by doubling up to twice the pause mark: 32 + 64 + 128 KB. */
const BOUND_BYTES = 256 * 1024;

/** Takes every byte, and after each 256 KB waits a moment (a disk behind, a busy loop). */
class LaggingSink implements ByteConsumer {
  received = 0;
  #sinceWait = 0;
  push(chunk: Uint8Array): { used: number; done: boolean } {
    const used = Math.min(chunk.length, TOTAL_BYTES - this.received);
    this.received += used;
    this.#sinceWait += used;
    return { used, done: this.received === TOTAL_BYTES };
  }
  backlog(): Promise<void> | null {
    if (this.#sinceWait < 256 * 1024) return null;
    this.#sinceWait = 0;
    return new Promise((resolve) => setTimeout(resolve, 2));
  }
}

Deno.test("a connection holds little of a fast peer's input while its reader lags", async () => {
  const server = listenOnLoopback();
  const client = net.createConnection({ host: "127.0.0.1", port: server.port });
  const connection = new Connection(await server.accept(), { idleTimeoutMs: 30_000 });
  try {
    client.write(new Uint8Array(TOTAL_BYTES).fill(0x61)); // as fast as loopback takes it
    const sink = new LaggingSink();
    const { result, bytes } = await countingArrays(() => connection.readInto(sink), {
      minBytes: MIN_COUNTED_BYTES,
    });
    assert.equal(result, "done");
    assert.equal(sink.received, TOTAL_BYTES);
    assert.ok(
      bytes <= BOUND_BYTES,
      `reading ${TOTAL_BYTES} bytes made input arrays of ${bytes} bytes (at most ${BOUND_BYTES})`,
    );
  } finally {
    client.destroy();
    connection.destroy();
    server.close();
  }
});
