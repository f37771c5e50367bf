/**
 * POP3 end to end, reading and deleting: mail sent with smtplib, read back
 * with Python's poplib, curl and raw sockets against the real server.
 * Logins, the maildrop lock, errors and the idle timeout are in
 * pop3_sessions_test.ts.
 */
import assert from "node:assert/strict";
import { maildirFiles, python, startServer, waitUntil } from "./harness.ts";
import { RawClient } from "./raw_client.ts";
import {
  BOB,
  disconnects,
  LOGIN,
  MESSAGE,
  PASSWORD,
  sendMessages,
  withServer,
} from "./pop3_fixture.ts";

Deno.test("poplib: STAT, LIST, UIDL, RETR byte-exact and TOP; UIDL stable across sessions", async () => {
  await withServer(["--insecure-auth"], async (server) => {
    await sendMessages(server, 2);
    const stored = maildirFiles(server.spoolDir, BOB).map((path) => Deno.readFileSync(path));
    const script = LOGIN + `
import json
count, size = p.stat()
listing = p.list()[1]
uidl = p.uidl()[1]
retr = p.retr(1)[1]
top = p.top(2, 1)[1]
p.quit()
print(json.dumps({"stat": [count, size], "list": [l.decode() for l in listing],
  "uidl": [u.decode() for u in uidl], "retr": b"\\r\\n".join(retr).decode() + "\\r\\n",
  "top": [l.decode() for l in top]}))
`;
    const first = JSON.parse(await python(script, [server.ports.pop3!, BOB, PASSWORD]));
    const sizes = stored.map((bytes) => bytes.length);
    assert.deepEqual(first.stat, [2, sizes[0]! + sizes[1]!]);
    assert.deepEqual(first.list, [`1 ${sizes[0]}`, `2 ${sizes[1]}`]);
    assert.equal(first.retr, new TextDecoder().decode(stored[0]));
    assert.ok(first.retr.endsWith(MESSAGE), "the message as smtplib sent it");
    assert.equal(first.top.at(-2), "", "TOP ends the header with its blank line");
    assert.equal(first.top.at(-1), "Hi Bob,", "and then one body line");
    assert.match(first.uidl[0], /^1 \d+\.M\d+P\d+Q\d+R[0-9a-f]{8}\.mx\.test,S=\d+$/);
    const second = JSON.parse(await python(script, [server.ports.pop3!, BOB, PASSWORD]));
    assert.deepEqual(second.uidl, first.uidl, "UIDL unchanged in a second session");
    assert.equal(maildirFiles(server.spoolDir, BOB, "new").length, 0, "read messages left new/");
    const cur = maildirFiles(server.spoolDir, BOB, "cur");
    assert.equal(cur.length, 2);
    assert.ok(cur.some((path) => path.endsWith(":2,S")), "RETR set the seen flag");
    assert.ok(cur.some((path) => path.endsWith(":2,")), "TOP moved without the seen flag");
  });
});

Deno.test("RETR puts the stored bytes on the wire dot-stuffed and ends with CRLF.CRLF", async () => {
  await withServer(["--insecure-auth"], async (server) => {
    await sendMessages(server, 1);
    const [path] = maildirFiles(server.spoolDir, BOB);
    const stored = Deno.readTextFileSync(path!);
    const client = await RawClient.connect(server.ports.pop3!);
    try {
      assert.match((await client.line())!, /^\+OK /);
      await client.send(`USER ${BOB}\r\nPASS ${PASSWORD}\r\nRETR 1\r\n`);
      assert.match((await client.line())!, /^\+OK/);
      assert.match((await client.line())!, /^\+OK Logged in: 1 messages/);
      assert.equal(await client.line(), `+OK ${stored.length} octets`);
      const lines: string[] = [];
      for (let line = await client.line(); line !== "."; line = await client.line()) {
        assert.notEqual(line, null);
        lines.push(line!);
      }
      const expected = stored.slice(0, -2).split("\r\n").map((l) =>
        l.startsWith(".") ? "." + l : l
      );
      assert.deepEqual(lines, expected);
      for (const stuffed of ["..leading dot line", "...two dots", ".."]) {
        assert.ok(lines.includes(stuffed), stuffed);
      }
    } finally {
      client.close();
    }
  });
});

Deno.test("TOP with a line count past 32 bits sends the whole message, and a message number may have leading zeros (RFC 1939 7)", async () => {
  await withServer(["--insecure-auth"], async (server) => {
    await sendMessages(server, 1);
    const script = LOGIN + `
import json
retr = p.retr(1)[1]
out = {}
for n in ["4294967296", "1" + "0" * 30]:
    try:
        out[n] = p.top(1, n)[1] == retr
    except poplib.error_proto as e:
        out[n] = e.args[0].decode()
try:
    out["RETR 000000000001"] = p.retr("000000000001")[1] == retr
except poplib.error_proto as e:
    out["RETR 000000000001"] = e.args[0].decode()
p.quit()
print(json.dumps(out))`;
    const result = JSON.parse(await python(script, [String(server.ports.pop3), BOB, PASSWORD]));
    assert.deepEqual(result, {
      "4294967296": true,
      ["1" + "0".repeat(30)]: true,
      "RETR 000000000001": true,
    });
  });
});

Deno.test("LIST, STAT and RETR count a message stored with bare LFs and no final line end as it goes out with CRLFs", async () => {
  await withServer(["--insecure-auth"], async (server) => {
    // imaplib's append() sends its bare LFs as CRLF (and APPEND would store them so): what
    // is left to count is the last line, which has no line end and goes out with one.
    const script = `
import imaplib, json, poplib, sys
i = imaplib.IMAP4("127.0.0.1", int(sys.argv[2]))
i.login(sys.argv[3], sys.argv[4])
i.append("INBOX", None, None, b"Subject: lf\\n\\nline1\\n.dot\\nlast line without an end")
i.append("INBOX", None, None, b"Subject: crlf\\r\\n\\r\\nbody\\r\\n")
i.logout()
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
p.user(sys.argv[3])
p.pass_(sys.argv[4])
stat = p.stat()
listing = [l.decode() for l in p.list()[1]]
retrs = [p.retr(n) for n in (1, 2)]
p.quit()
print(json.dumps({"stat": stat, "list": listing,
  "status": [r[0].decode() for r in retrs], "octets": [r[2] for r in retrs]}))
`;
    const result = JSON.parse(
      await python(script, [server.ports.pop3!, server.ports.imap!, BOB, PASSWORD]),
    );
    const sent = [
      "Subject: lf\r\n\r\nline1\r\n.dot\r\nlast line without an end\r\n".length,
      "Subject: crlf\r\n\r\nbody\r\n".length,
    ];
    assert.deepEqual(result.octets, sent, "poplib counts the unstuffed octets it received");
    assert.deepEqual(result.list, [`1 ${sent[0]}`, `2 ${sent[1]}`]);
    assert.deepEqual(result.stat, [2, sent[0]! + sent[1]!]);
    assert.deepEqual(result.status, [`+OK ${sent[0]} octets`, `+OK ${sent[1]} octets`]);
  });
});

Deno.test("UIDL stays the same after a server restart", async () => {
  const first = await startServer({ users: { [BOB]: PASSWORD }, flags: ["--insecure-auth"] });
  const script = LOGIN + "print([u.decode() for u in p.uidl()[1]]); p.quit()";
  let before: string;
  try {
    await sendMessages(first, 3);
    before = await python(script, [first.ports.pop3!, BOB, PASSWORD]);
  } finally {
    await first.stop();
  }
  const second = await startServer({ spoolDir: first.spoolDir, flags: ["--insecure-auth"] });
  try {
    assert.equal(await python(script, [second.ports.pop3!, BOB, PASSWORD]), before);
  } finally {
    await second.stop();
  }
});

Deno.test("DELE then QUIT removes the file; DELE then a dropped connection removes nothing", async () => {
  await withServer(["--insecure-auth"], async (server) => {
    await sendMessages(server, 2);
    const dropped = disconnects(server);
    await python(LOGIN + "print(p.dele(1)); p.sock.close()", [server.ports.pop3!, BOB, PASSWORD]);
    await waitUntil(() => disconnects(server) > dropped, 10_000, "the server to see the drop");
    assert.equal(maildirFiles(server.spoolDir, BOB).length, 2, "nothing deleted without QUIT");
    const out = await python(
      LOGIN + "print(p.stat()[0]); print(p.dele(1)); print(p.quit())",
      [server.ports.pop3!, BOB, PASSWORD],
    );
    assert.match(out, /^2\n.*\n.*1 messages deleted/);
    assert.equal(
      maildirFiles(server.spoolDir, BOB, "new").length +
        maildirFiles(server.spoolDir, BOB, "cur").length,
      1,
    );
    const count = await python(LOGIN + "print(p.stat()[0]); p.quit()", [
      server.ports.pop3!,
      BOB,
      PASSWORD,
    ]);
    assert.equal(count.trim(), "1");
  });
});

const HAS_CURL = (() => {
  try {
    return new Deno.Command("curl", { args: ["--version"], stdout: "null" }).outputSync().success;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "curl pop3:// lists the mailbox and retrieves a message byte-exact",
  ignore: !HAS_CURL,
  fn: async () => {
    await withServer(["--insecure-auth"], async (server) => {
      await sendMessages(server, 2);
      const [path] = maildirFiles(server.spoolDir, BOB);
      const stored = Deno.readFileSync(path!);
      const curl = async (url: string) => {
        const output = await new Deno.Command("curl", {
          args: ["-s", "--max-time", "10", "-u", `${BOB}:${PASSWORD}`, url],
          stdout: "piped",
          stderr: "piped",
        }).output();
        assert.ok(output.success, new TextDecoder().decode(output.stderr));
        return output.stdout;
      };
      const base = `pop3://127.0.0.1:${server.ports.pop3}/`;
      const listing = new TextDecoder().decode(await curl(base));
      assert.equal(listing, `1 ${stored.length}\r\n2 ${stored.length}\r\n`);
      assert.deepEqual(await curl(base + "1"), stored);
    });
  },
});
