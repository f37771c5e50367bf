/**
 * The idle timeout: a timer that checks the last activity when it fires.
 * Reads and writes both count as activity; silence ends the session on time.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import * as net from "node:net";
import * as tls from "node:tls";
import { Connection } from "../../src/net/mod.ts";
import { listenOnLoopback } from "./loopback_listener.ts";
import { HAS_OPENSSL, makeTestCertificates, serverContextFor } from "../e2e/certs.ts";

/** A connected pair: our Connection on the server side, a raw socket as its peer. */
async function pair(idleTimeoutMs: number) {
  const server = listenOnLoopback();
  const port = server.port;
  const peer = net.createConnection({ host: "127.0.0.1", port });
  peer.on("data", () => {});
  const connection = new Connection(await server.accept(), { idleTimeoutMs });
  const close = () => {
    peer.destroy();
    connection.destroy();
    server.close();
  };
  return { connection, peer, close };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("Connection: a silent peer times out after the idle time, not before", async () => {
  // Taken before the connection exists: its idle period starts when it is made, and making
  // the pair may take a while on a busy machine.
  const started = performance.now();
  const { connection, close } = await pair(300);
  try {
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
    // A read waits (an IMAP IDLE waiting for DONE) while we write 600 ms of output 120 ms apart,
    // twice the idle time: it times out only an idle time after the last write. Were the writes
    // ignored, it would time out 300 ms after it began, in the middle of them.
    const started = performance.now();
    const reading = connection.readLine(1000);
    for (let i = 0; i < 6; i++) {
      if (i > 0) await sleep(120);
      connection.write(`* ${i} FETCH\r\n`);
      connection.flush();
    }
    const read = await reading;
    const waited = performance.now() - started;
    assert.deepEqual(read, { kind: "timeout" });
    assert.ok(waited >= 750, `the writes were ignored: timed out after ${waited.toFixed(0)} ms`);
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

Deno.test({
  name: "Connection: the idle time starts again when a slow TLS handshake is done",
  ignore: !HAS_OPENSSL,
  fn: async () => {
    const dir = makeTestDir();
    const certs = await makeTestCertificates(dir);
    const context = serverContextFor(certs);
    const { connection, peer, close } = await pair(600);
    try {
      // Implicit TLS: the client starts its handshake late (450 ms of the 600), then
      // sends its first command 300 ms after the handshake: 750 ms after it connected.
      const isUp = connection.startServerTls(context);
      await sleep(450);
      const secure = tls.connect({ socket: peer, ca: await Deno.readTextFile(certs.caFile) });
      secure.on("data", () => {});
      secure.on("error", () => {});
      assert.equal(await isUp, true);
      setTimeout(() => secure.write("EHLO client.test\r\n"), 300);
      assert.deepEqual(await connection.readLine(1000), {
        kind: "line",
        text: "EHLO client.test",
        hasBareLf: false,
        octets: 16,
        hasInvalidUtf8: false,
      });
      secure.destroy();
    } finally {
      await close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("Connection: an idle time of weeks neither fires early nor spins", async () => {
  const calls: number[] = [];
  const realSetTimeout = globalThis.setTimeout;
  // Count the timers the connection makes with a delay that setTimeout would take as 1 ms.
  globalThis.setTimeout = ((fn: () => void, ms?: number) => {
    calls.push(ms ?? 0);
    return realSetTimeout(fn, ms);
  }) as typeof setTimeout;
  try {
    const { connection, peer, close } = await pair(30 * 24 * 3600 * 1000);
    try {
      const read = connection.readLine(1000);
      await sleep(100);
      peer.write("NOOP\r\n");
      assert.equal((await read).kind, "line");
    } finally {
      await close();
    }
  } finally {
    globalThis.setTimeout = realSetTimeout;
  }
  const long = calls.filter((ms) => ms > 1000);
  assert.ok(long.length >= 1, `the idle timer was set: ${calls}`);
  assert.ok(long.every((ms) => ms <= 2 ** 31 - 1), `a delay setTimeout cannot take: ${long}`);
  assert.ok(calls.length < 20, `${calls.length} timers in 100 ms`);
});

Deno.test({
  name:
    "Connection: a peer that stops reading before the TLS go-ahead is let go after the idle time",
  ignore: !HAS_OPENSSL,
  fn: async () => {
    const dir = makeTestDir();
    const certs = await makeTestCertificates(dir);
    const context = serverContextFor(certs);
    const server = listenOnLoopback();
    const peer = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    const transport = await server.accept();
    const connection = new Connection(transport, { idleTimeoutMs: 300 });
    try {
      // Replies the peer never reads, until the kernel takes no more of them.
      const reply = new Uint8Array(16 * 1024).fill(0x2e);
      while (transport.writableLength === 0) {
        connection.write(reply);
        connection.flush();
        await sleep(1);
      }
      connection.write("220 2.0.0 Ready to start TLS\r\n");
      const isUp = connection.startServerTls(context);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const outcome = await Promise.race([
        isUp,
        new Promise<string>((resolve) =>
          timer = setTimeout(() => resolve("still waiting"), 10_000)
        ),
      ]);
      clearTimeout(timer);
      assert.equal(outcome, false, "the upgrade gives up: the peer took nothing for the idle time");
    } finally {
      connection.destroy();
      peer.close();
      server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
