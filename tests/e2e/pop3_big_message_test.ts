/**
 * POP3 with a message bigger than the pieces it is read in: sizes are
 * counted and RETR is sent piece by piece, so a line end or a leading dot
 * cut between two pieces must come out as from the whole message.
 */
import assert from "node:assert/strict";
import { dotStuff, headerAndBodyLines } from "../../src/mail/mod.ts";
import { PIECE_BYTES } from "../../src/mailbox/read_pieces.ts";
import { maildirFiles, python, startServer } from "./harness.ts";
import { RawClient } from "./raw_client.ts";

const BOB = "bob@example.test";
const PASSWORD = "pw bob 1";

/**
 * A stored message (bare LFs, as other Maildir writers leave them) whose
 * piece boundaries fall on a CRLF's two halves, on a line-starting dot and
 * on a bare LF; its last line has no end.
 */
function awkwardMessage(): Uint8Array {
  const bytes = new Uint8Array(3 * PIECE_BYTES + 500).fill(0x61); // "a"
  const set = (at: number, text: string) => bytes.set(new TextEncoder().encode(text), at);
  set(0, "Subject: pieces\n\n");
  for (let at = 100; at < bytes.length - 200; at += 100) set(at, "\n");
  set(PIECE_BYTES - 1, "\r\n");
  set(2 * PIECE_BYTES - 1, "\n.");
  set(3 * PIECE_BYTES - 1, "\n\n");
  set(3 * PIECE_BYTES + 200, "\r\n.\r\n");
  return bytes;
}

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Logs in with raw sockets, then prints LIST 1, RETR 1's status line, its
 * length and digest, and the length and digest of TOP 1 with each count given.
 */
const RETR_SCRIPT = `
import hashlib, json, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
f = s.makefile("rb")
f.readline()
s.sendall(("USER %s\\r\\nPASS %s\\r\\nLIST 1\\r\\nRETR 1\\r\\n" % (sys.argv[2], sys.argv[3])).encode())
f.readline(); f.readline()
listing = f.readline().decode().strip()
status = f.readline().decode().strip()
body = b""
while not body.endswith(b"\\r\\n.\\r\\n"):
    line = f.readline()
    if not line: break
    body += line
tops = {}
for lines in sys.argv[4:]:
    s.sendall(("TOP 1 %s\\r\\n" % lines).encode())
    f.readline()
    top = b""
    while not top.endswith(b"\\r\\n.\\r\\n"):
        line = f.readline()
        if not line: break
        top += line
    tops[lines] = [len(top), hashlib.sha256(top).hexdigest()]
s.sendall(b"QUIT\\r\\n")
print(json.dumps({"list": listing, "status": status, "length": len(body),
  "sha256": hashlib.sha256(body).hexdigest(), "tops": tops}))
`;

Deno.test("a message read in pieces: LIST, RETR and TOP count and send it as the whole message would go", async () => {
  const server = await startServer({ users: { [BOB]: PASSWORD }, flags: ["--insecure-auth"] });
  try {
    // Put in the Maildir by hand, as another writer would leave it.
    const message = awkwardMessage();
    const dir = `${server.spoolDir}/mail/example.test/bob`;
    for (const sub of ["new", "cur", "tmp"]) Deno.mkdirSync(`${dir}/${sub}`, { recursive: true });
    Deno.writeFileSync(`${dir}/new/1700000000.M1P1.test,S=${message.length}`, message);
    assert.equal(maildirFiles(server.spoolDir, BOB).length, 1);
    const counts = [0, 2700, 5300, 99999];
    const result = JSON.parse(
      await python(RETR_SCRIPT, [server.ports.pop3!, BOB, PASSWORD, ...counts]),
    );
    // The size is counted with CRLF line ends, before dot-stuffing (RFC 1939 11).
    const crlfSize = new TextDecoder().decode(message).replace(/\r?\n/g, "\r\n").length + 2;
    assert.equal(result.list, `+OK 1 ${crlfSize}`);
    assert.equal(result.status, `+OK ${crlfSize} octets`);
    const wire = dotStuff(message);
    const expected = new Uint8Array([...wire, ...new TextEncoder().encode(".\r\n")]);
    assert.equal(result.length, expected.length);
    assert.equal(result.sha256, await sha256Hex(expected));
    for (const count of counts) {
      const top = dotStuff(headerAndBodyLines(message, count), { isTerminated: true }).slice();
      assert.deepEqual(result.tops[count], [top.length, await sha256Hex(top)], `TOP 1 ${count}`);
    }
  } finally {
    await server.stop();
  }
});

Deno.test("RETR of a message removed after the login is refused before any of it is sent, and the session goes on", async () => {
  const server = await startServer({ users: { [BOB]: PASSWORD }, flags: ["--insecure-auth"] });
  try {
    const dir = `${server.spoolDir}/mail/example.test/bob`;
    for (const sub of ["new", "cur", "tmp"]) Deno.mkdirSync(`${dir}/${sub}`, { recursive: true });
    const path = `${dir}/new/1700000000.M1P1.test,S=12`;
    Deno.writeFileSync(path, new TextEncoder().encode("Subject: x\r\n"));
    const client = await RawClient.connect(server.ports.pop3!);
    try {
      assert.match((await client.line())!, /^\+OK /);
      await client.send(`USER ${BOB}\r\nPASS ${PASSWORD}\r\n`);
      assert.match((await client.line())!, /^\+OK/);
      assert.match((await client.line())!, /^\+OK Logged in: 1 messages/);
      Deno.removeSync(path);
      await client.send("RETR 1\r\nNOOP\r\n");
      assert.equal(await client.line(), "-ERR Message was removed by another session");
      assert.equal(await client.line(), "+OK");
    } finally {
      client.close();
    }
  } finally {
    await server.stop();
  }
});
