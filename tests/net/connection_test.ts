import assert from "node:assert/strict";
import * as net from "node:net";
import { Connection } from "../../src/net/mod.ts";

Deno.test("Connection.readLine() finds a line split across a buffer compaction", async () => {
  const accepted = Promise.withResolvers<net.Socket>();
  const server = net.createServer((socket) => accepted.resolve(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  const client = net.createConnection({ host: "127.0.0.1", port });
  client.setNoDelay(true);
  const connection = new Connection(await accepted.promise, { idleTimeoutMs: 5_000 });
  try {
    // 40 lines of ~900 bytes, each sent in two pieces with a read waiting in between, so
    // the 16 KiB input buffer is compacted while a piece of a line is waiting.
    for (let i = 0; i < 40; i++) {
      const line = `${i} ` + "x".repeat(900);
      const read = connection.readLine(2000);
      const split = 10 + (i * 53) % 300;
      client.write(line.slice(0, split));
      await new Promise((resolve) => setTimeout(resolve, 2));
      client.write(line.slice(split) + "\r\n");
      let timer: ReturnType<typeof setTimeout> | undefined;
      const result = await Promise.race([
        read,
        new Promise((resolve) => timer = setTimeout(() => resolve("line lost"), 10_000)),
      ]);
      clearTimeout(timer);
      assert.deepEqual(result, {
        kind: "line",
        text: line,
        hasBareLf: false,
        octets: new TextEncoder().encode(line).length,
      }, `line ${i}`);
    }
  } finally {
    client.destroy();
    connection.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
