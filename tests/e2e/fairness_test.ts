/** A dead destination must not starve a healthy one of delivery slots. */
import assert from "node:assert/strict";
import * as net from "node:net";
import { startServer, waitUntil } from "./harness.ts";
import { sendCopies } from "./outbound_helpers.ts";
import { expectReply, openSession, sendMessage } from "./smtp_dialog.ts";
import { startSink } from "./smtp_sink.ts";

/**
 * How long the server waits for a silent host's greeting. A starved healthy message would go
 * out only after it, which the tests see as a deferral logged first; a healthy message that
 * is not starved must get out before it, counted from the silent host's first connection,
 * while the rest of the setup is still being sent: a few seconds on a busy machine.
 */
const REMOTE_TIMEOUT_S = 30;
/** Longer than the timeout, so a starved message shows as such, not as a deadline here. */
const WAIT_MS = (REMOTE_TIMEOUT_S + 15) * 1000;

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
        `--remote-smtp-timeout=${REMOTE_TIMEOUT_S}s`,
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
      await waitUntil(
        () => sink.transactions.length === 5 || /event=msg\.deferred/.test(server.log()),
        WAIT_MS,
        "the healthy messages, or the first timeout",
      );
      assert.equal(sink.transactions.length, 5, "live.test got its messages");
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

Deno.test("20 domains routed to one silent host do not hold back a healthy domain or local mail", async () => {
  // A hosting provider's host behind many domains (or a smarthost): the 3 connections it
  // may have are the limit, whatever the domains, so its mail must not take every slot.
  const hole = await startBlackHole();
  const sink = await startSink();
  const server = await startServer({
    users: { "alice@example.test": "pw" },
    flags: [
      ...Array.from({ length: 20 }, (_, i) => `--route=hosted${i}.test=127.0.0.1:${hole.port}`),
      `--route=live.test=127.0.0.1:${sink.port}`,
      `--remote-smtp-timeout=${REMOTE_TIMEOUT_S}s`,
    ],
  });
  try {
    // Over one connection: the silent host's timeouts run from the first of these.
    const client = await openSession(server.ports.smtp!);
    try {
      for (let i = 0; i < 20; i++) {
        await sendMessage(client, {
          from: "bob@example.test",
          rcpts: [`bob@hosted${i}.test`],
          message: `Subject: hosted ${i}\r\n\r\nhi\r\n.\r\n`,
        });
      }
      await expectReply(client, "QUIT", /^221 /);
    } finally {
      client.close();
    }
    await waitUntil(() => hole.accepted() === 3, 10_000, "the silent host's 3 connections");
    await sendCopies({
      port: server.ports.smtp!,
      from: "bob@example.test",
      rcpts: ["carol@live.test", "alice@example.test"],
      body: "Subject: healthy\r\n\r\nhi\r\n",
    });
    await waitUntil(
      () => sink.transactions.length === 1 || /event=msg\.deferred/.test(server.log()),
      WAIT_MS,
      "the healthy message, or the first timeout",
    );
    assert.equal(sink.transactions.length, 1, "live.test got its message");
    assert.doesNotMatch(
      server.log(),
      /event=msg\.deferred .*rcpt=bob@hosted/,
      "the healthy one went out while the silent host was still being waited on",
    );
    // Its log line may still be in the server's batch (up to 20 ms): the first timeout is later.
    const toAlice = /event=msg\.delivered .*rcpt=alice@example\.test relay=local/;
    await waitUntil(
      () => toAlice.test(server.log()) || /event=msg\.deferred/.test(server.log()),
      WAIT_MS,
      "the local delivery, or the first timeout",
    );
    assert.match(server.log(), toAlice);
    assert.doesNotMatch(
      server.log(),
      /event=msg\.deferred .*rcpt=bob@hosted/,
      "before any timeout",
    );
    assert.equal(hole.accepted(), 3, "at most 3 connections to one host");
  } finally {
    await server.kill();
    await sink.close();
    hole.close();
  }
});
