/**
 * A FETCH of many large messages to a client that does not read its
 * replies: the server must not read and queue the whole mailbox in memory.
 * \Seen (set as each message is sent by a non-PEEK FETCH, and kept in the
 * file name) shows how far the server got.
 */
import assert from "node:assert/strict";
import { maildirFiles, startServer } from "./harness.ts";
import { deliver } from "./imap_helpers.ts";

const MESSAGES = 32;
const LINE = "x".repeat(998) + "\r\n";
const BIG = "From: a@remote.test\r\nSubject: big\r\n\r\n" + LINE.repeat(1_000); // ~1 MB

const seenCount = (spoolDir: string) =>
  maildirFiles(spoolDir, "bob@example.test", "cur").filter((path) => /:2,[A-Z]*S[A-Z]*$/.test(path))
    .length;

Deno.test("FETCH to a client that does not read stops sending (and reading) once its replies back up", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw-bob" },
    flags: ["--insecure-auth"],
  });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.ports.imap! });
  try {
    await deliver(server, Array.from({ length: MESSAGES }, () => BIG));
    const encoder = new TextEncoder();
    const decoder = new TextDecoder();
    let received = "";
    const readUntil = async (pattern: RegExp) => {
      const buffer = new Uint8Array(1 << 20);
      while (!pattern.test(received)) {
        const n = await conn.read(buffer);
        if (n === null) throw new Error(`connection closed; got ${received.slice(-200)}`);
        received += decoder.decode(buffer.subarray(0, n));
        if (received.length > 4096 && !pattern.test(received)) received = received.slice(-4096);
      }
    };
    await conn.write(encoder.encode("l LOGIN bob@example.test pw-bob\r\ns SELECT INBOX\r\n"));
    await readUntil(/\r\ns OK /);
    received = "";
    await conn.write(encoder.encode("f FETCH 1:* BODY[]\r\n"));
    // We read nothing back. Kernel socket buffers hold a few MB; the server may
    // hold a little more. Give it every chance to go through all 32 MB anyway.
    const isAllSeen = await new Promise<boolean>((resolve) => {
      const deadline = Date.now() + 3_000;
      const poll = () => {
        if (seenCount(server.spoolDir) === MESSAGES) resolve(true);
        else if (Date.now() > deadline) resolve(false);
        else setTimeout(poll, 50);
      };
      poll();
    });
    const seenWhileStalled = seenCount(server.spoolDir);
    assert.ok(!isAllSeen, "every message was read and sent into a connection nobody reads");
    assert.ok(seenWhileStalled < MESSAGES / 2, `${seenWhileStalled} messages sent while stalled`);
    // Reading again lets the FETCH finish, every message once and \Seen.
    let fetched = 0;
    let carry = ""; // a marker may straddle two reads
    const buffer = new Uint8Array(1 << 20);
    while (!/\r\nf OK /.test(carry)) {
      const n = await conn.read(buffer);
      if (n === null) throw new Error("connection closed during the FETCH");
      const text = carry + decoder.decode(buffer.subarray(0, n));
      fetched += text.match(/\* \d+ FETCH \(/g)?.length ?? 0;
      carry = text.slice(-32).replace(/^.*\* \d+ FETCH \(/s, "");
    }
    assert.equal(fetched, MESSAGES);
    assert.equal(seenCount(server.spoolDir), MESSAGES);
  } finally {
    conn.close();
    await server.stop();
  }
});

Deno.test("a FETCH whose client leaves while it is stalled stops there", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw-bob" },
    flags: ["--insecure-auth"],
  });
  try {
    await deliver(server, Array.from({ length: MESSAGES }, () => BIG));
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.ports.imap! });
    const encoder = new TextEncoder();
    const buffer = new Uint8Array(1 << 16);
    let received = "";
    await conn.write(encoder.encode("l LOGIN bob@example.test pw-bob\r\ns SELECT INBOX\r\n"));
    while (!/\r\ns OK /.test(received)) {
      const n = await conn.read(buffer);
      if (n === null) throw new Error("closed before SELECT finished");
      received += new TextDecoder().decode(buffer.subarray(0, n));
    }
    await conn.write(encoder.encode("f FETCH 1:* BODY[]\r\n"));
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // let the FETCH stall
    conn.close(); // gone, without reading a byte of it
    await server.waitForLog(/event=imap\.disconnect/);
    const seen = seenCount(server.spoolDir);
    // Had it carried on, every message would have been read and marked \Seen for nobody.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(seenCount(server.spoolDir), seen, "nothing more was sent after the client left");
    assert.ok(seen < MESSAGES / 2, `${seen} messages sent in all`);
  } finally {
    await server.stop();
  }
});
