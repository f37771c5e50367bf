/**
 * POP3 sessions end to end with Python's poplib and raw sockets: logins (a
 * wrong password, none without TLS, AUTH PLAIN), the maildrop lock
 * ([IN-USE], also while its UID index is rebuilt), errors that leave the
 * session going, and the idle timeout.
 */
import assert from "node:assert/strict";
import { maildirFiles, python, waitUntil } from "./harness.ts";
import { RawClient } from "./raw_client.ts";
import { BOB, LOGIN, PASSWORD, sendMessages, withServer } from "./pop3_fixture.ts";

Deno.test("a wrong password gets -ERR [AUTH] and is logged for the limiter", async () => {
  await withServer(["--insecure-auth"], async (server) => {
    const out = await python(
      `
import poplib, sys
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
p.user("bob@example.test")
try:
    p.pass_("wrong")
except poplib.error_proto as e:
    print(e.args[0].decode())
`,
      [server.ports.pop3!],
    );
    assert.match(out, /^-ERR \[AUTH\] /);
    await server.waitForLog(
      /event=auth\.failed .*ip=127\.0\.0\.1 user=bob@example\.test proto=pop3/,
    );
  });
});

Deno.test("a second POP3 session on the same mailbox gets -ERR [IN-USE]", async () => {
  await withServer(["--insecure-auth"], async (server) => {
    const out = await python(
      LOGIN + `
q = poplib.POP3("127.0.0.1", port, timeout=10)
q.user(sys.argv[2])
try:
    q.pass_(sys.argv[3])
    print("second login worked")
except poplib.error_proto as e:
    print(e.args[0].decode())
p.quit()
r = poplib.POP3("127.0.0.1", port, timeout=10)
r.user(sys.argv[2])
print(r.pass_(sys.argv[3]).decode())
r.quit()
`,
      [server.ports.pop3!, BOB, PASSWORD],
    );
    const [second, third] = out.trim().split("\n");
    assert.match(second!, /^-ERR \[IN-USE\] /);
    assert.match(third!, /^\+OK Logged in/, "free again after the first QUIT");
  });
});

Deno.test("the maildrop stays locked while its UID index is rebuilt: a second POP3 session gets -ERR [IN-USE] until the first has quit", async () => {
  await withServer(["--insecure-auth"], async (server) => {
    await sendMessages(server, 2);
    const index = `${server.spoolDir}/mail/example.test/bob/pillarbox-uidlist`;
    const out = await python(
      LOGIN + `
import os
print(p.stat()[0])
# An administrator removes the index to have it rebuilt (README: a new UIDVALIDITY).
os.remove(sys.argv[4])
q = poplib.POP3("127.0.0.1", port, timeout=10)
q.user(sys.argv[2])
try:
    q.pass_(sys.argv[3])
    print("second login worked")
    q.dele(1)
    q.quit()
except poplib.error_proto as e:
    print(e.args[0].decode())
try:
    print(len(p.retr(1)[1]) > 0)
except poplib.error_proto as e:
    print(e.args[0].decode())
p.quit()
r = poplib.POP3("127.0.0.1", port, timeout=10)
r.user(sys.argv[2])
print(r.pass_(sys.argv[3]).decode())
print(r.stat()[0])
r.quit()
`,
      [server.ports.pop3!, BOB, PASSWORD, index],
    );
    const [count, second, retrieved, third, countAfter] = out.trim().split("\n");
    assert.equal(count, "2");
    assert.match(second!, /^-ERR \[IN-USE\] /);
    assert.equal(retrieved, "True", "the first session still reads its maildrop");
    assert.match(third!, /^\+OK Logged in/, "free again after the first QUIT");
    assert.equal(countAfter, "2");
  });
});

Deno.test("a POP3 session whose maildrop's UID index was rebuilt under it still reads and deletes the messages an IMAP session moved to cur/ meanwhile", async () => {
  await withServer(["--insecure-auth"], async (server) => {
    await sendMessages(server, 3);
    const client = await RawClient.connect(server.ports.pop3!);
    try {
      await client.line();
      await client.send(`USER ${BOB}\r\nPASS ${PASSWORD}\r\n`);
      await client.line();
      assert.match((await client.line())!, /^\+OK Logged in: 3 messages/);
      // The index removed by hand: the next login gets a new instance and UIDVALIDITY,
      // and IMAP's SELECT moves the messages from new/ to cur/ (claiming \Recent).
      await Deno.remove(`${server.spoolDir}/mail/example.test/bob/pillarbox-uidlist`);
      await python(
        `
import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.login(sys.argv[2], sys.argv[3])
m.select("INBOX")
m.logout()
`,
        [server.ports.imap!, BOB, PASSWORD],
      );
      await waitUntil(
        () => maildirFiles(server.spoolDir, BOB, "cur").length === 3,
        10_000,
        "the messages in cur/",
      );
      await client.send("RETR 2\r\n");
      assert.match((await client.line())!, /^\+OK \d+ octets/);
      while ((await client.line()) !== ".") { /* the message */ }
      await client.send("DELE 2\r\nQUIT\r\n");
      assert.match((await client.line())!, /^\+OK/);
      assert.match((await client.line())!, /^\+OK .*\(1 messages deleted\)/);
    } finally {
      client.close();
    }
    assert.equal(maildirFiles(server.spoolDir, BOB, "cur").length, 2, "message 2 is gone");
    const stat = await python(
      LOGIN + `
print(p.stat()[0])
p.quit()
`,
      [server.ports.pop3!, BOB, PASSWORD],
    );
    assert.equal(stat.trim(), "2");
  });
});

Deno.test("login without TLS is refused when --insecure-auth is off", async () => {
  await withServer([], async (server) => {
    const client = await RawClient.connect(server.ports.pop3!);
    try {
      await client.line();
      await client.send("CAPA\r\n");
      const capa: string[] = [];
      for (let line = await client.line(); line !== "."; line = await client.line()) {
        capa.push(line!);
      }
      assert.ok(!capa.includes("USER") && !capa.some((l) => l.startsWith("SASL")), capa.join());
      assert.match(await client.command(`USER ${BOB}`), /^-ERR \[SYS\/PERM\] /);
      assert.match(await client.command(`AUTH PLAIN ${btoa(`\0${BOB}\0${PASSWORD}`)}`), /^-ERR/);
      assert.match(await client.command("STAT"), /^-ERR/);
    } finally {
      client.close();
    }
  });
});

Deno.test("AUTH PLAIN works with an initial response, with a continuation, and * cancels", async () => {
  await withServer(["--insecure-auth"], async (server) => {
    const token = btoa(`\0${BOB}\0${PASSWORD}`);
    for (
      const [name, lines, expect] of [
        ["initial response", [`AUTH PLAIN ${token}`], /^\+OK Logged in/],
        ["continuation", ["AUTH PLAIN", token], /^\+OK Logged in/],
        ["cancel", ["AUTH PLAIN", "*"], /^-ERR Authentication cancelled/],
        ["bad base64", ["AUTH PLAIN", "!!!"], /^-ERR \[AUTH\] /],
      ] as const
    ) {
      const client = await RawClient.connect(server.ports.pop3!);
      try {
        await client.line();
        const replies: string[] = [];
        for (const line of lines) {
          await client.send(line + "\r\n");
          replies.push((await client.line())!);
        }
        if (lines.length === 2) assert.equal(replies[0], "+ ", `${name}: the empty challenge`);
        assert.match(replies.at(-1)!, expect, name);
        await client.send("QUIT\r\n");
        assert.match((await client.line())!, /^\+OK/, name);
      } finally {
        client.close();
      }
    }
  });
});

Deno.test("unknown commands, wrong states and overlong lines get -ERR and the session goes on", async () => {
  await withServer(["--insecure-auth"], async (server) => {
    const client = await RawClient.connect(server.ports.pop3!);
    try {
      await client.line();
      assert.match(await client.command("XYZZY"), /^-ERR Unknown command/);
      assert.match(await client.command("RETR 1"), /^-ERR RETR is not valid/);
      assert.match(await client.command("NOOP " + "x".repeat(300)), /^-ERR Line too long/);
      assert.match(await client.command(`USER ${BOB}`), /^\+OK/);
      assert.match(await client.command(`PASS ${PASSWORD}`), /^\+OK/);
      assert.match(await client.command("RETR 1"), /^-ERR No such message/);
      assert.match(await client.command("DELE x"), /^-ERR Message number expected/);
      assert.match(await client.command("NOOP"), /^\+OK/);
      assert.match(await client.command("QUIT"), /^\+OK/);
    } finally {
      client.close();
    }
  });
});

Deno.test("an idle session is closed after --pop3-idle-timeout and deletes nothing", async () => {
  await withServer(["--insecure-auth", "--pop3-idle-timeout=1s"], async (server) => {
    await sendMessages(server, 1);
    const client = await RawClient.connect(server.ports.pop3!);
    try {
      await client.line();
      await client.send(`USER ${BOB}\r\nPASS ${PASSWORD}\r\nDELE 1\r\n`);
      for (let i = 0; i < 3; i++) assert.match((await client.line())!, /^\+OK/);
      assert.match((await client.line(10_000))!, /^-ERR Idle timeout/);
      assert.ok(await client.isClosed());
    } finally {
      client.close();
    }
    assert.equal(maildirFiles(server.spoolDir, BOB).length, 1);
  });
});
