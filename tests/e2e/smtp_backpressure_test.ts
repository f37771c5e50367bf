/** A client that pipelines without reading cannot make the server queue replies without bound. */
import assert from "node:assert/strict";
import { startServer } from "./harness.ts";

Deno.test("the server stops reading commands while a client does not read its replies", async () => {
  const server = await startServer();
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.ports.smtp! });
  try {
    // 40 MB of NOOPs (about 93 MB of replies) without reading a byte back: the server must
    // stop taking input once its replies back up, so our writes stall well before the end.
    const chunk = new TextEncoder().encode("NOOP\r\n".repeat(10_000));
    let sentBytes = 0;
    const writer = (async () => {
      while (sentBytes < 40_000_000) {
        sentBytes += await conn.write(chunk);
      }
    })();
    const stalled = await Promise.race([
      writer.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 3_000)),
    ]);
    assert.ok(stalled, `all ${sentBytes} bytes were taken: replies were queued without bound`);
    // Kernel socket buffers hold a few MB (7 MB measured here); the server itself stops after
    // about 1 MB of unread input plus 256 KB of untaken replies.
    assert.ok(sentBytes < 12_000_000, `the server read ${sentBytes} bytes while replies backed up`);
  } finally {
    conn.close();
    await server.stop();
  }
});
