/**
 * A client that sends its request head a byte at a time is never silent, so
 * the idle timeout never cuts it off: the whole head has a deadline of its own.
 */
import assert from "node:assert/strict";
import { Metrics, startStatusServer } from "../../src/http/mod.ts";
import { Logger } from "../../src/log/mod.ts";

/** Trickles `head` one byte at a time until the server answers; what it answered, or null. */
async function trickle(port: number, head: string): Promise<string | null> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const bytes = new TextEncoder().encode(head);
  const received: number[] = [];
  let isClosed = false;
  const reading = (async () => {
    const buffer = new Uint8Array(1024);
    while (true) {
      const n = await conn.read(buffer).catch(() => null);
      if (n === null) break;
      received.push(...buffer.subarray(0, n));
    }
    isClosed = true;
  })();
  try {
    for (const byte of bytes) {
      if (isClosed) break;
      await conn.write(Uint8Array.of(byte)).catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    // The whole head sent: a server without a deadline answers it (200) only now.
    await reading;
    conn.close();
  }
  return new TextDecoder().decode(Uint8Array.from(received));
}

Deno.test("a request head sent a byte at a time past the deadline gets 408 and the connection closed", async () => {
  const server = await startStatusServer({ hostname: "127.0.0.1", port: 0 }, {
    metrics: new Metrics(),
    hostname: "mx.test",
    version: "0.0.0",
    log: new Logger({ level: "error" }),
    headTimeoutMs: 100,
  });
  try {
    // About 3,000 bytes at 5 ms or more each: many seconds, far past the deadline.
    const head = `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ${"a".repeat(3000)}\r\n\r\n`;
    const answer = await trickle(server.port, head);
    assert.match(answer ?? "", /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.match(answer ?? "", /\r\nConnection: close\r\n/);
  } finally {
    await server.close();
  }
});
