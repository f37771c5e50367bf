/**
 * Over TLS as over plain TCP, a peer cannot make the server hold more than
 * a bounded amount of its data: input is read from the socket only as the
 * session takes it (a client that pipelines without end while the session
 * is busy), and output is handed to TLS only as the peer takes it (a big
 * FETCH to a client that reads slowly). The server side runs in this
 * process on a counting socket, so the test sees how far the kernel's
 * reads and writes run ahead of or behind the session.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { Connection, OUTPUT_HIGH_WATER_BYTES } from "../../src/net/mod.ts";
import { TcpTransport } from "../../src/net/tcp_transport.ts";
import { HAS_OPENSSL, makeTestCertificates, serverContextFor } from "../e2e/certs.ts";

/** The Connection stops reading past 1 MB of unread input; TLS and socket buffers add a little. */
const INPUT_BOUND_BYTES = 2 * 1024 * 1024;
/** The output high-water mark plus a write slice plus TLS record overhead. */
const OUTPUT_BOUND_BYTES = OUTPUT_HIGH_WATER_BYTES + 2 * 64 * 1024;
const TOTAL_BYTES = 8 * 1024 * 1024;
const LINE_BYTES = 64 * 1024;

/** Bytes the server read from and wrote to the kernel. */
interface Counts {
  read: number;
  written: number;
}

function counting(conn: Deno.Conn, counts: Counts): Deno.Conn {
  return {
    remoteAddr: conn.remoteAddr,
    read: async (buffer: Uint8Array) => {
      const n = await conn.read(buffer);
      counts.read += n ?? 0;
      return n;
    },
    write: async (bytes: Uint8Array) => {
      const n = await conn.write(bytes);
      counts.written += n;
      return n;
    },
    closeWrite: () => conn.closeWrite(),
    close: () => conn.close(),
  } as unknown as Deno.Conn;
}

async function setUp() {
  const dir = makeTestDir({ prefix: "pillarbox-tls-backpressure-" });
  const certs = await makeTestCertificates(dir);
  const context = serverContextFor(certs);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const counts: Counts = { read: 0, written: 0 };
  const accepted = listener.accept();
  const client = await Deno.connectTls({
    hostname: "127.0.0.1",
    port: listener.addr.port,
    caCerts: [Deno.readTextFileSync(certs.caFile)],
  });
  const connection = new Connection(new TcpTransport(counting(await accepted, counts)), {
    idleTimeoutMs: 60_000,
  });
  const [isUp] = await Promise.all([connection.startServerTls(context), client.handshake()]);
  assert.ok(isUp, "the handshake completes");
  return {
    connection,
    client,
    counts,
    close: () => {
      connection.destroy();
      try {
        client.close();
      } catch {
        // closed already
      }
      listener.close();
      Deno.removeSync(dir, { recursive: true });
    },
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

Deno.test({
  name: "over TLS, a client sending faster than the session reads is not read ahead without bound",
  ignore: !HAS_OPENSSL,
  async fn() {
    const { connection, client, counts, close } = await setUp();
    try {
      const line = new TextEncoder().encode("x".repeat(LINE_BYTES - 2) + "\r\n");
      const sending = (async () => {
        for (let sent = 0; sent < TOTAL_BYTES; sent += line.length) {
          for (let at = 0; at < line.length;) at += await client.write(line.subarray(at));
        }
      })();
      let taken = 0;
      let peakAheadBytes = 0;
      while (taken < TOTAL_BYTES) {
        const read = await connection.readLine(LINE_BYTES);
        assert.equal(read.kind, "line");
        taken += LINE_BYTES;
        peakAheadBytes = Math.max(peakAheadBytes, counts.read - taken);
        await tick(); // a session busy with each command
      }
      await sending;
      assert.ok(
        peakAheadBytes <= INPUT_BOUND_BYTES,
        `${peakAheadBytes} bytes were read ahead of the session (bound ${INPUT_BOUND_BYTES})`,
      );
    } finally {
      close();
    }
  },
});

Deno.test({
  name: "over TLS, a large reply is handed over only as fast as the client reads it",
  ignore: !HAS_OPENSSL,
  async fn() {
    const { connection, client, counts, close } = await setUp();
    try {
      let received = 0;
      const reading = (async () => {
        const buffer = new Uint8Array(16 * 1024);
        while (received < TOTAL_BYTES) {
          const n = await client.read(buffer);
          if (n === null) break;
          received += n;
          await tick(); // a client that reads slowly
        }
      })();
      let peakBehindBytes = 0;
      const body = new Uint8Array(TOTAL_BYTES).fill(0x78);
      const slice = 64 * 1024;
      for (let offset = 0; offset < TOTAL_BYTES; offset += slice) {
        assert.ok(await connection.throttle(), "the client is still there");
        connection.write(body.subarray(offset, offset + slice));
        connection.flush();
        peakBehindBytes = Math.max(peakBehindBytes, offset + slice - counts.written);
      }
      await reading;
      assert.equal(received, TOTAL_BYTES, "the whole reply arrived");
      assert.ok(
        peakBehindBytes <= OUTPUT_BOUND_BYTES,
        `${peakBehindBytes} bytes waited in memory for the client (bound ${OUTPUT_BOUND_BYTES})`,
      );
    } finally {
      close();
    }
  },
});

Deno.test({
  name: "over TLS, a client that goes away in the middle of a large reply stops it",
  ignore: !HAS_OPENSSL,
  async fn() {
    const { connection, client, close } = await setUp();
    try {
      client.close(); // gone before it read anything: our writes now fail
      const body = new Uint8Array(32 * 1024 * 1024).fill(0x78);
      const slice = 64 * 1024;
      let handedBytes = 0;
      for (; handedBytes < body.length; handedBytes += slice) {
        if (!await connection.throttle()) break;
        connection.write(body.subarray(handedBytes, handedBytes + slice));
        connection.flush();
      }
      assert.ok(
        handedBytes < body.length,
        `all ${body.length} bytes were encrypted for a client that had gone`,
      );
      const read = await connection.readLine(1000);
      assert.equal(read.kind, "eof", "the next read sees the client gone");
    } finally {
      close();
    }
  },
});
