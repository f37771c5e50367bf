/**
 * A FETCH of a whole big message (BODY[], BODY.PEEK[], RFC822) is sent from
 * the message's file as the client takes it: a client that stops reading
 * makes the server read no more of the file than it could send (the kernel's
 * socket buffers and one piece), where it used to read, and hold, all of it.
 * Counted in bytes the server process read (`rchar` in /proc/<pid>/io), not
 * in time or RSS.
 */
import assert from "node:assert/strict";
import { maildirFiles, type Server, startServer } from "./harness.ts";
import { command } from "./imap_helpers.ts";
import { RawClient } from "./raw_client.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A message of about `bytes` whose every line says where it stands (a misplaced piece shows). */
function bigMessage(bytes: number, extra = ""): Uint8Array {
  const lines = ["From: a@remote.test", "Subject: big", "", extra];
  for (let i = 0; lines.length * 80 < bytes; i++) lines.push(`line ${i} `.padEnd(78, "x"));
  return encoder.encode(lines.join("\r\n") + "\r\n");
}

/**
 * Bytes the process has read through read(2) and its kind so far. Read by
 * `cat`: Deno lets only --allow-all read another process's /proc/<pid>/io,
 * and `deno task test` grants the permissions one by one.
 */
function bytesRead(pid: number): number {
  const out = new Deno.Command("cat", { args: [`/proc/${pid}/io`] }).outputSync();
  const io = decoder.decode(out.stdout);
  const rchar = /^rchar: (\d+)$/m.exec(io)?.[1];
  if (!out.success || rchar === undefined) throw new Error(`no rchar in /proc/${pid}/io: ${io}`);
  return Number(rchar);
}

/** A server with bob's INBOX holding `message` as its only message, and a client that examined it. */
async function serverWith(message: Uint8Array): Promise<{ server: Server; conn: Deno.Conn }> {
  const server = await startServer({
    users: { "bob@example.test": "pw-bob" },
    flags: ["--insecure-auth"],
  });
  const first = await RawClient.connect(server.ports.imap!);
  await first.line();
  await command(first, "l", "LOGIN bob@example.test pw-bob"); // makes the Maildir
  first.close();
  const dir = `${server.spoolDir}/mail/example.test/bob/new`;
  await Deno.writeFile(`${dir}/1700000000.M1P1.other`, message); // put there by another program
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.ports.imap! });
  return { server, conn };
}

/**
 * Reads from `conn` into `received` until `pattern` matches the text of the
 * last read (with the end of the one before: a match may straddle two).
 */
async function readUntil(conn: Deno.Conn, received: number[], pattern: RegExp): Promise<void> {
  const buffer = new Uint8Array(1 << 16);
  let carry = "";
  while (true) {
    const n = await conn.read(buffer);
    if (n === null) throw new Error("connection closed");
    for (const byte of buffer.subarray(0, n)) received.push(byte);
    const text = carry + decoder.decode(buffer.subarray(0, n));
    if (pattern.test(text)) return;
    carry = text.slice(-512);
  }
}

Deno.test("a client that stops reading a FETCH of a big message makes the server read little of it", async () => {
  const message = bigMessage(40_000_000);
  const { server, conn } = await serverWith(message);
  try {
    await conn.write(encoder.encode("l LOGIN bob@example.test pw-bob\r\ns EXAMINE INBOX\r\n"));
    await readUntil(conn, [], /\r\ns OK /);
    // Another program's file whose name gives no CRLF size (`,W=`) is counted once, piece by
    // piece, when a size is first asked for (README: files other programs wrote); then:
    await conn.write(encoder.encode("z FETCH 1 RFC822.SIZE\r\n"));
    await readUntil(conn, [], /\r\nz OK /);
    const before = bytesRead(server.pid);
    await conn.write(encoder.encode("f FETCH 1 BODY.PEEK[]\r\n"));
    await readUntil(conn, [], /\* 1 FETCH \(BODY\[\] \{\d+\}/);
    // From here on we read nothing. Read whole first, the file was all read before this
    // line was sent; streamed, the server reads as far as the socket buffers take.
    const samples: number[] = [];
    for (let i = 0; i < 10; i++) {
      samples.push(bytesRead(server.pid) - before);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const most = Math.max(...samples);
    assert.ok(
      most < message.length / 4,
      `read ${most} bytes for a client that stopped reading a ${message.length}-byte message`,
    );
  } finally {
    conn.close();
    await server.stop();
  }
});

for (const item of ["BODY[]", "BODY.PEEK[]", "RFC822"]) {
  Deno.test(`a big message fetched as ${item} arrives whole, a NUL sent as 0x80`, async () => {
    const message = bigMessage(3_000_000, "a NUL here: \0 ends");
    const { server, conn } = await serverWith(message);
    try {
      await conn.write(encoder.encode("l LOGIN bob@example.test pw-bob\r\ns SELECT INBOX\r\n"));
      await readUntil(conn, [], /\r\ns OK /);
      await conn.write(encoder.encode(`f FETCH 1 (UID RFC822.SIZE ${item})\r\n`));
      const received: number[] = [];
      await readUntil(conn, received, /\r\nf OK [^\r]*\r\n$/);
      const text = decoder.decode(Uint8Array.from(received.slice(0, 200)));
      const name = item.replace(".PEEK", "");
      const head = new RegExp(
        `^\\* 1 FETCH \\(UID 1 RFC822\\.SIZE ${message.length} ${name.replace(/[[\]]/g, "\\$&")} ` +
          `\\{${message.length}\\}\\r\\n`,
      ).exec(text);
      assert.ok(head, `response starts ${text.slice(0, 80)}`);
      const body = Uint8Array.from(received.slice(head[0].length, head[0].length + message.length));
      const expected = message.slice();
      expected[expected.indexOf(0)] = 0x80;
      assert.deepEqual(body, expected);
      const rest = decoder.decode(Uint8Array.from(received.slice(head[0].length + message.length)));
      const seen = item === "BODY.PEEK[]" ? "" : " FLAGS \\(\\\\Seen \\\\Recent\\)";
      assert.match(rest, new RegExp(`^${seen}\\)\\r\\nf OK `));
      const isSeenOnDisk = maildirFiles(server.spoolDir, "bob@example.test", "cur")
        .some((path) => /:2,S$/.test(path));
      assert.equal(isSeenOnDisk, item !== "BODY.PEEK[]");
    } finally {
      conn.close();
      await server.stop();
    }
  });
}
