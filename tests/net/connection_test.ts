import assert from "node:assert/strict";
import * as net from "node:net";
import { Connection } from "../../src/net/mod.ts";
import { listenOnLoopback } from "./loopback_listener.ts";

Deno.test("Connection.readLine() finds a line split across a buffer compaction", async () => {
  const server = listenOnLoopback();
  const port = server.port;
  const client = net.createConnection({ host: "127.0.0.1", port });
  client.setNoDelay(true);
  const connection = new Connection(await server.accept(), { idleTimeoutMs: 5_000 });
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
        hasInvalidUtf8: false,
      }, `line ${i}`);
    }
  } finally {
    client.destroy();
    connection.destroy();
    server.close();
  }
});

Deno.test("Connection.readLine() tells bytes that are not UTF-8 from a U+FFFD the peer sent", async () => {
  const server = listenOnLoopback();
  const port = server.port;
  const client = net.createConnection({ host: "127.0.0.1", port });
  const connection = new Connection(await server.accept(), { idleTimeoutMs: 5_000 });
  const cases: { name: string; bytes: number[]; hasInvalidUtf8: boolean }[] = [
    { name: "plain ASCII", bytes: [0x61], hasInvalidUtf8: false },
    { name: "a two-octet letter", bytes: [0xc3, 0xb6], hasInvalidUtf8: false },
    { name: "a U+FFFD the peer sent", bytes: [0xef, 0xbf, 0xbd], hasInvalidUtf8: false },
    { name: "a lone 0xFF", bytes: [0x61, 0xff], hasInvalidUtf8: true },
    { name: "a cut four-octet sequence", bytes: [0xf0, 0x9f, 0x98, 0x61], hasInvalidUtf8: true },
    { name: "an overlong encoding", bytes: [0xc0, 0xaf], hasInvalidUtf8: true },
  ];
  try {
    for (const row of cases) {
      client.write(new Uint8Array([...row.bytes, 13, 10]));
      const read = await connection.readLine(100);
      assert.equal(read.kind, "line", row.name);
      if (read.kind !== "line") continue;
      assert.equal(read.hasInvalidUtf8, row.hasInvalidUtf8, row.name);
      assert.equal(read.octets, row.bytes.length, row.name);
    }
  } finally {
    client.destroy();
    connection.destroy();
    server.close();
  }
});

Deno.test("Connection.readLine() reports the first and last bytes of an overlong line it dropped", async () => {
  const server = listenOnLoopback();
  const client = net.createConnection({ host: "127.0.0.1", port: server.port });
  client.setNoDelay(true);
  const connection = new Connection(await server.accept(), { idleTimeoutMs: 5_000 });
  try {
    const line = "a APPEND INBOX (" + "x".repeat(5_000) + ") {12+}";
    const cases = [
      { name: "sent at once", pieces: [line + "\r\n"] },
      // The CR is dropped with the line's bytes; its LF comes with the next piece.
      {
        name: "with the CR and LF apart",
        pieces: [line.slice(0, 1_500), line.slice(1_500) + "\r", "\n"],
      },
    ];
    for (const { name, pieces } of cases) {
      const read = connection.readLine(1_000);
      for (const piece of pieces) {
        client.write(piece);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      assert.deepEqual(await read, {
        kind: "too-long",
        head: line.slice(0, 64),
        tail: line.slice(-64),
      }, name);
    }
    client.write("b NOOP\r\n");
    assert.equal((await connection.readLine(1_000) as { text: string }).text, "b NOOP");
  } finally {
    client.destroy();
    connection.destroy();
    server.close();
  }
});

Deno.test("Connection.readLine() takes a line of maxBytes with its line end, and not one octet more", async () => {
  const server = listenOnLoopback();
  const client = net.createConnection({ host: "127.0.0.1", port: server.port });
  const connection = new Connection(await server.accept(), { idleTimeoutMs: 5_000 });
  const cases: { name: string; line: string; kind: "line" | "too-long"; hasBareLf?: boolean }[] = [
    { name: "100 octets with CRLF", line: "a".repeat(98) + "\r\n", kind: "line", hasBareLf: false },
    { name: "101 octets with CRLF", line: "b".repeat(99) + "\r\n", kind: "too-long" },
    {
      name: "100 octets with a bare LF",
      line: "c".repeat(99) + "\n",
      kind: "line",
      hasBareLf: true,
    },
    { name: "101 octets with a bare LF", line: "d".repeat(100) + "\n", kind: "too-long" },
  ];
  try {
    for (const row of cases) {
      client.write(row.line);
      const read = await connection.readLine(100);
      assert.equal(read.kind, row.kind, row.name);
      if (read.kind === "line") assert.equal(read.hasBareLf, row.hasBareLf, row.name);
    }
  } finally {
    client.destroy();
    connection.destroy();
    server.close();
  }
});
