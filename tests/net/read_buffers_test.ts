/**
 * Read buffers are handed from a closed connection to the next one: only
 * once no read is in flight into them, and with no byte of the last
 * connection showing through in the next one's input.
 */
import assert from "node:assert/strict";
import type { TransportEvents } from "../../src/net/transport.ts";
import {
  giveBackReadBuffer,
  keptReadBufferCount,
  takeReadBuffer,
} from "../../src/net/read_buffers.ts";
import { listenOnLoopback } from "./loopback_listener.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await sleep(5);
  assert.ok(condition(), what);
}

function recorder() {
  let text = "";
  let isClosed = false;
  const events: TransportEvents = {
    data: (chunk) => void (text += decoder.decode(chunk)),
    end: () => {},
    close: () => void (isClosed = true),
    drain: () => {},
  };
  return { events, text: () => text, isClosed: () => isClosed };
}

/** Empties the pool so that counts start from zero, whatever ran before. */
function emptyPool(): void {
  while (keptReadBufferCount() > 0) takeReadBuffer();
}

Deno.test("read buffers: a buffer a read is in flight into comes back only once that read settles", async () => {
  emptyPool();
  const server = listenOnLoopback();
  const peer = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  const transport = await server.accept();
  try {
    const seen = recorder();
    transport.listen(seen.events); // a read is now waiting for input
    transport.destroy();
    assert.equal(
      keptReadBufferCount(),
      0,
      "given back while the socket's read could still fill it",
    );
    await until(() => keptReadBufferCount() === 1, "the buffer never came back");
  } finally {
    peer.close();
    server.close();
  }
});

Deno.test("read buffers: a connection that never read takes none and gives none", async () => {
  emptyPool();
  const server = listenOnLoopback();
  const peer = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  const transport = await server.accept();
  transport.destroy();
  await sleep(20);
  assert.equal(keptReadBufferCount(), 0);
  peer.close();
  server.close();
});

Deno.test("read buffers: after the peer's FIN (no read in flight) the buffer comes back at close", async () => {
  emptyPool();
  const server = listenOnLoopback();
  const peer = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  const transport = await server.accept();
  const seen = recorder();
  let ended = false;
  transport.listen({ ...seen.events, end: () => void (ended = true) });
  await peer.write(encoder.encode("QUIT\r\n"));
  await peer.closeWrite();
  await until(() => ended, "the FIN was not seen");
  assert.equal(keptReadBufferCount(), 0);
  transport.destroy();
  assert.equal(keptReadBufferCount(), 1);
  assert.equal(seen.text(), "QUIT\r\n");
  peer.close();
  server.close();
});

Deno.test("read buffers: the next connection's input shows nothing of the last one's", async () => {
  emptyPool();
  const server = listenOnLoopback();
  try {
    const inputs = ["x".repeat(16 * 1024 - 10), "short\r\n", "y".repeat(9000), "z\r\n"];
    for (const input of inputs) {
      const peer = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
      const transport = await server.accept();
      const seen = recorder();
      let ended = false;
      transport.listen({ ...seen.events, end: () => void (ended = true) });
      await peer.write(encoder.encode(input));
      await peer.closeWrite();
      await until(() => ended, "the FIN was not seen");
      transport.destroy();
      peer.close();
      assert.equal(seen.text(), input);
    }
    assert.equal(keptReadBufferCount(), 1, "each connection took the one kept buffer");
  } finally {
    server.close();
  }
});

Deno.test("read buffers: at most 32 are kept, and only whole 16 KB buffers", () => {
  emptyPool();
  const taken = Array.from({ length: 40 }, () => takeReadBuffer());
  assert.equal(new Set(taken).size, 40);
  giveBackReadBuffer(new Uint8Array(8 * 1024));
  giveBackReadBuffer(new Uint8Array(32 * 1024).subarray(0, 16 * 1024));
  assert.equal(keptReadBufferCount(), 0);
  for (const buffer of taken) giveBackReadBuffer(buffer);
  assert.equal(keptReadBufferCount(), 32);
  giveBackReadBuffer(taken[0] as Uint8Array);
  assert.equal(keptReadBufferCount(), 32);
  emptyPool();
  giveBackReadBuffer(taken[0] as Uint8Array);
  giveBackReadBuffer(taken[0] as Uint8Array);
  assert.equal(keptReadBufferCount(), 1, "a buffer given back twice would go to two connections");
});

Deno.test("read buffers: a buffer handed on holds nothing of what the last connection read", () => {
  emptyPool();
  const buffer = takeReadBuffer();
  buffer.set(encoder.encode("AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n"));
  giveBackReadBuffer(buffer);
  const next = takeReadBuffer();
  assert.equal(next, buffer, "the same buffer is reused");
  assert.ok(next.every((byte) => byte === 0), "the last client's bytes are still there");
});
