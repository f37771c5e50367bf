/**
 * The idle timeout: a timer that checks the last activity when it fires.
 * Reads and writes both count as activity; silence ends the session on time.
 */
import assert from "node:assert/strict";
import * as net from "node:net";
import { Connection } from "../../src/net/mod.ts";

/** A connected pair: our Connection on the server side, a raw socket as its peer. */
async function pair(idleTimeoutMs: number) {
  const accepted = Promise.withResolvers<net.Socket>();
  const server = net.createServer((socket) => accepted.resolve(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  const peer = net.createConnection({ host: "127.0.0.1", port });
  peer.on("data", () => {});
  const connection = new Connection(await accepted.promise, { idleTimeoutMs });
  const close = async () => {
    peer.destroy();
    connection.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { connection, peer, close };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("Connection: a silent peer times out after the idle time, not before", async () => {
  const { connection, close } = await pair(300);
  try {
    const started = performance.now();
    const read = await connection.readLine(1000);
    const waited = performance.now() - started;
    assert.deepEqual(read, { kind: "timeout" });
    assert.ok(waited >= 290, `timed out after ${waited.toFixed(0)} ms`);
    assert.ok(waited < 2_000, `timed out after ${waited.toFixed(0)} ms`);
  } finally {
    await close();
  }
});

Deno.test("Connection: a peer that keeps sending is never idle, however long it goes on", async () => {
  const { connection, peer, close } = await pair(300);
  try {
    // Six lines 120 ms apart: 720 ms in all, more than twice the idle time.
    for (let i = 0; i < 6; i++) {
      const read = connection.readLine(1000);
      await sleep(120);
      peer.write(`line ${i}\r\n`);
      assert.equal((await read).kind, "line", `line ${i}`);
    }
  } finally {
    await close();
  }
});

Deno.test("Connection: our own writes count as activity (a peer reading a long answer)", async () => {
  const { connection, close } = await pair(300);
  try {
    // 720 ms of output 120 ms apart, then a read: it has the full idle time again.
    for (let i = 0; i < 6; i++) {
      connection.write(`* ${i} FETCH\r\n`);
      connection.flush();
      await sleep(120);
    }
    const started = performance.now();
    const read = await connection.readLine(1000);
    const waited = performance.now() - started;
    assert.deepEqual(read, { kind: "timeout" });
    assert.ok(waited >= 150, `the last write was ignored: timed out after ${waited.toFixed(0)} ms`);
  } finally {
    await close();
  }
});

Deno.test("Connection: setIdleTimeout starts a new idle period of the new length", async () => {
  const { connection, close } = await pair(5_000);
  try {
    connection.setIdleTimeout(200);
    const started = performance.now();
    const read = await connection.readLine(1000);
    const waited = performance.now() - started;
    assert.deepEqual(read, { kind: "timeout" });
    assert.ok(waited >= 190 && waited < 2_000, `timed out after ${waited.toFixed(0)} ms`);
  } finally {
    await close();
  }
});
