/**
 * Connection.readInto waits on a consumer whose own output is behind (a
 * message spilling to a slow disk) instead of handing it more: what the
 * consumer holds stays bounded however fast the peer sends.
 */
import assert from "node:assert/strict";
import * as net from "node:net";
import { type ByteConsumer, Connection } from "../../src/net/mod.ts";
import { listenOnLoopback } from "./loopback_listener.ts";

const TOTAL_BYTES = 8 * 1024 * 1024;
const BACKLOG_LIMIT_BYTES = 256 * 1024;

/** Takes every byte into a backlog that a slow "disk" drains 64 KB per tick. */
class SlowSink implements ByteConsumer {
  received = 0;
  held = 0;
  maxHeld = 0;
  #draining: Promise<void> | null = null;
  push(chunk: Uint8Array): { used: number; done: boolean } {
    const used = Math.min(chunk.length, TOTAL_BYTES - this.received);
    this.received += used;
    this.held += used;
    this.maxHeld = Math.max(this.maxHeld, this.held);
    return { used, done: this.received === TOTAL_BYTES };
  }
  backlog(): Promise<void> | null {
    if (this.held <= BACKLOG_LIMIT_BYTES) return null;
    this.#draining ??= (async () => {
      while (this.held > BACKLOG_LIMIT_BYTES) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        this.held = Math.max(0, this.held - 64 * 1024);
      }
      this.#draining = null;
    })();
    return this.#draining;
  }
}

Deno.test("Connection.readInto holds back a peer while the consumer's backlog drains", async () => {
  const server = listenOnLoopback();
  const port = server.port;
  const client = net.createConnection({ host: "127.0.0.1", port });
  const connection = new Connection(await server.accept(), { idleTimeoutMs: 30_000 });
  try {
    client.write(new Uint8Array(TOTAL_BYTES).fill(0x61)); // as fast as loopback takes it
    const sink = new SlowSink();
    assert.equal(await connection.readInto(sink), "done");
    assert.equal(sink.received, TOTAL_BYTES);
    // One read's worth past the limit at most (the connection's own buffer is bounded apart).
    assert.ok(
      sink.maxHeld <= BACKLOG_LIMIT_BYTES + 2 * 1024 * 1024,
      `held ${sink.maxHeld} bytes at once`,
    );
  } finally {
    client.destroy();
    connection.destroy();
    server.close();
  }
});
