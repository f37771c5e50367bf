/** A dead destination must not starve a healthy one of delivery slots. */
import assert from "node:assert/strict";
import * as net from "node:net";
import { startServer, waitUntil } from "./harness.ts";
import { sendCopies } from "./outbound_helpers.ts";
import { startSink } from "./smtp_sink.ts";

/** Accepts TCP connections and never says a word. */
async function startBlackHole(): Promise<{ port: number; accepted(): number; close(): void }> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted: () => accepted,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

for (const deadCount of [1, 2]) {
  Deno.test(`30 messages to ${deadCount} silent destination(s) do not hold back 5 to a healthy one`, async () => {
    const holes = await Promise.all(Array.from({ length: deadCount }, () => startBlackHole()));
    const sink = await startSink();
    const server = await startServer({
      flags: [
        ...holes.map((hole, i) => `--route=dead${i}.test=127.0.0.1:${hole.port}`),
        `--route=live.test=127.0.0.1:${sink.port}`,
        // Long enough that a starved healthy message would only go out after the first timeout.
        "--remote-smtp-timeout=10s",
      ],
    });
    try {
      const send = (rcpt: string, count: number) =>
        sendCopies({
          port: server.ports.smtp!,
          from: "alice@example.test",
          rcpts: [rcpt],
          body: `From: alice@example.test\r\nTo: ${rcpt}\r\nSubject: #N#\r\n\r\nhi\r\n`,
          count,
        });
      for (let i = 0; i < deadCount; i++) await send(`bob@dead${i}.test`, 30 / deadCount);
      await waitUntil(
        () => holes.every((hole) => hole.accepted() === 3),
        10_000,
        "each dead hop's 3 connections",
      );
      await send("carol@live.test", 5);
      await waitUntil(() => sink.transactions.length === 5, 10_000, "the healthy messages");
      assert.doesNotMatch(
        server.log(),
        /event=msg\.deferred .*rcpt=bob@dead\d\.test/,
        "the healthy ones went out while the dead hops were still being waited on",
      );
      for (const hole of holes) {
        assert.equal(hole.accepted(), 3, "at most 3 connections to one destination");
      }
    } finally {
      await server.kill();
      await sink.close();
      for (const hole of holes) hole.close();
    }
  });
}
