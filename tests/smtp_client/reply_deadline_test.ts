/**
 * The wait for a reply is a deadline for the whole reply (RFC 5321 4.5.3.2:
 * per-command timeouts), not a limit on the silence between bytes: a server
 * that drips its greeting a byte at a time cannot hold a delivery for days.
 */
import assert from "node:assert/strict";
import * as net from "node:net";
import { SmtpClient } from "../../src/smtp_client/mod.ts";

/** A server that sends "220 " and then one byte every `everyMs`, `bytes` times, then CRLF. */
async function startDripper(options: { everyMs: number; bytes: number }) {
  const timers = new Set<ReturnType<typeof setInterval>>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
    socket.write("220 ");
    let sent = 0;
    const timer = setInterval(() => {
      if (socket.destroyed) return clearInterval(timer);
      socket.write(++sent < options.bytes ? "x" : "x\r\n");
      if (sent >= options.bytes) {
        clearInterval(timer);
        socket.on("data", () => socket.write("250 drip.test\r\n"));
      }
    }, options.everyMs);
    timers.add(timer);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearInterval(timer);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

Deno.test("a greeting dripped a byte at a time times out at the greeting deadline", async () => {
  // 80 bytes 50 ms apart: the whole greeting takes 4 s, each gap is far below the 600 ms limit.
  const dripper = await startDripper({ everyMs: 50, bytes: 80 });
  try {
    const opening = SmtpClient.open({
      hostname: "127.0.0.1",
      port: dripper.port,
      ehloName: "out.test",
      tlsMode: "none",
      isTlsVerified: false,
      timeouts: { connectMs: 2000, greetingMs: 600, mailMs: 600 },
    });
    const error = await opening.then((client) => {
      client.abort();
      return null;
    }, (error: unknown) => error);
    assert.ok(error !== null, "the dripped greeting was taken");
    assert.match(String(error), /greeting: no reply within the time limit/);
  } finally {
    await dripper.close();
  }
});
