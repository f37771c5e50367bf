/**
 * IMAP over raw sockets: IDLE push on delivery, changes shared between
 * sessions, literals quoted back, malformed commands, folder names that try
 * to escape, LOGINDISABLED, and the STARTTLS injection probe (the literal
 * limits are in imap_grammar_test.ts).
 */
import assert from "node:assert/strict";
import { HAS_OPENSSL, makeTestCertificates } from "./certs.ts";
import { python, startServer, tempDir } from "./harness.ts";
import { command, deliver, loginAsBob, untilTagged } from "./imap_helpers.ts";
import { RawClient } from "./raw_client.ts";

const USERS = { "bob@example.test": "pw-bob" };
const FLAGS = ["--insecure-auth"];

async function loggedIn(port: number, folder = "INBOX"): Promise<RawClient> {
  const client = await loginAsBob(port);
  assert.match((await command(client, "s", `SELECT ${folder}`)).at(-1)!, /^s OK \[READ-WRITE\]/);
  return client;
}

const MESSAGE = "From: a@remote.test\r\nSubject: push\r\n\r\nbody\r\n";

Deno.test("IDLE hears EXISTS for an SMTP delivery, and other sessions' flag changes and expunges", async () => {
  const server = await startServer({ users: USERS, flags: FLAGS });
  const idler = await loggedIn(server.ports.imap!);
  const other = await loggedIn(server.ports.imap!);
  try {
    await idler.send("i IDLE\r\n");
    assert.equal(await idler.line(), "+ idling");
    const sent = Date.now();
    await deliver(server, [MESSAGE]);
    // No command is sent: the EXISTS is pushed (the read has a deadline, it is not a sleep).
    assert.equal(await idler.line(15_000), "* 1 EXISTS");
    const latencyMs = Date.now() - sent;
    assert.equal(await idler.line(), "* 1 RECENT");
    console.log(`IDLE: EXISTS ${latencyMs} ms after the SMTP send started`);

    const seen = await command(other, "n", "NOOP");
    assert.ok(seen.includes("* 1 EXISTS"), seen.join("\n"));
    assert.match((await command(other, "f", "STORE 1 +FLAGS (\\Deleted)")).at(-1)!, /^f OK/);
    assert.equal(await idler.line(15_000), "* 1 FETCH (UID 1 FLAGS (\\Deleted \\Recent))");
    assert.match((await command(other, "e", "EXPUNGE")).join("\n"), /^\* 1 EXPUNGE\ne OK/);
    assert.equal(await idler.line(15_000), "* 1 EXPUNGE");
    await idler.send("DONE\r\n");
    assert.match((await untilTagged(idler, "i")).at(-1)!, /^i OK IDLE terminated/);
  } finally {
    idler.close();
    other.close();
    await server.stop();
  }
});

Deno.test("IDLE ends on DONE in any case", async () => {
  const server = await startServer({ users: USERS, flags: FLAGS });
  const client = await loggedIn(server.ports.imap!);
  try {
    // RFC 2177 3 and RFC 3501 9: the grammar's literal strings, "DONE" too, ignore case.
    for (const done of ["done", "Done"]) {
      await client.send("i IDLE\r\n");
      assert.equal(await client.line(), "+ idling");
      await client.send(`${done}\r\n`);
      assert.deepEqual(await untilTagged(client, "i"), ["i OK IDLE terminated"]);
    }
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("a FETCH by sequence number holds back another session's EXPUNGE until a later command", async () => {
  const server = await startServer({ users: USERS, flags: FLAGS });
  await deliver(server, [MESSAGE, MESSAGE]);
  const one = await loggedIn(server.ports.imap!);
  const two = await loggedIn(server.ports.imap!);
  try {
    await command(two, "d", "STORE 1 +FLAGS.SILENT (\\Deleted)");
    await command(two, "e", "EXPUNGE");
    const fetch = await command(one, "f", "FETCH 1:* (UID)");
    assert.ok(!fetch.some((line) => /^\* \d+ EXPUNGE/.test(line)), fetch.join("\n"));
    assert.ok(fetch.includes("* 2 FETCH (UID 2)"));
    // The data of message 1 is gone, and the client is told so (RFC 5530 3), without failing
    // the command: a NO made Roundcube drop the whole list it fetched.
    assert.equal(fetch.at(-1), "f OK [EXPUNGEISSUED] Some of the messages were expunged meanwhile");
    const noop = await command(one, "n", "NOOP");
    assert.deepEqual(noop.slice(0, 1), ["* 1 EXPUNGE"]);
  } finally {
    one.close();
    two.close();
    await server.stop();
  }
});

Deno.test("LOGIN and AUTHENTICATE PLAIN with spaces and capitals open the same INBOX as the plain name", async () => {
  const server = await startServer({ users: USERS, flags: FLAGS });
  await deliver(server, [MESSAGE]);
  const plain = btoa("\0 Bob@Example.TEST \0pw-bob");
  const logins: [string, string][] = [
    ["LOGIN", 'LOGIN " Bob@EXAMPLE.test " pw-bob'],
    ["AUTHENTICATE PLAIN", `AUTHENTICATE PLAIN ${plain}`],
  ];
  try {
    for (const [name, line] of logins) {
      const client = await RawClient.connect(server.ports.imap!);
      try {
        assert.match((await client.line())!, /^\* OK /);
        assert.match((await command(client, "l", line)).at(-1)!, /^l OK /, name);
        const selected = await command(client, "s", "SELECT INBOX");
        assert.ok(selected.includes("* 1 EXISTS"), `${name}: ${selected.join(" | ")}`);
      } finally {
        client.close();
      }
    }
    const domains = [...Deno.readDirSync(`${server.spoolDir}/mail`)].map((entry) => entry.name);
    assert.deepEqual(domains, ["example.test"]);
    const accounts = [...Deno.readDirSync(`${server.spoolDir}/mail/example.test`)].map((e) =>
      e.name
    );
    assert.deepEqual(accounts, ["bob"]);
  } finally {
    await server.stop();
  }
});

Deno.test("AUTHENTICATE PLAIN asking to act as another user: NO [AUTHORIZATIONFAILED] with the right password, NO [AUTHENTICATIONFAILED] with a wrong one, never BAD (RFC 5530)", async () => {
  const server = await startServer({
    users: { ...USERS, "carol@example.test": "pw-carol" },
    flags: FLAGS,
  });
  const client = await RawClient.connect(server.ports.imap!);
  try {
    assert.match((await client.line())!, /^\* OK /);
    const asCarol = (password: string) => btoa(`carol@example.test\0bob@example.test\0${password}`);
    assert.match(
      (await command(client, "a", `AUTHENTICATE PLAIN ${asCarol("pw-bob")}`)).at(-1)!,
      /^a NO \[AUTHORIZATIONFAILED\] /,
    );
    assert.match(
      (await command(client, "b", `AUTHENTICATE PLAIN ${asCarol("wrong")}`)).at(-1)!,
      /^b NO \[AUTHENTICATIONFAILED\] /,
    );
    // Still not logged in; the same user as authzid is fine.
    assert.match((await command(client, "c", "SELECT INBOX")).at(-1)!, /^c BAD /);
    const own = btoa("bob@example.test\0bob@example.test\0pw-bob");
    assert.match((await command(client, "d", `AUTHENTICATE PLAIN ${own}`)).at(-1)!, /^d OK /);
    await server.waitForLog(/event=imap\.authz_refused .*authzid=carol@example\.test/);
  } finally {
    client.close();
    await server.stop();
  }
});

/** "1,3,5,..." with `count` ranges. */
function oddNumbers(count: number): string {
  return Array.from({ length: count }, (_, i) => `${2 * i + 1}`).join(",");
}

Deno.test("malformed commands get BAD and the session goes on", async () => {
  const server = await startServer({ users: USERS, flags: FLAGS });
  const client = await loggedIn(server.ports.imap!);
  try {
    const cases: [string, RegExp][] = [
      ["x1 FROBNICATE", /^x1 BAD /],
      ["x2 FETCH 1:a FLAGS", /^x2 BAD /],
      ['x3 LOGIN "unterminated', /^x3 BAD /],
      ["x4 FETCH 1 (FLAGS", /^x4 BAD /],
      ["x5 SEARCH FROM", /^x5 BAD /],
      ["x6 FETCH 99 FLAGS", /^x6 BAD /],
      ["x7 STORE 1 FLAGS", /^x7 BAD /],
      ["x8 LOGIN a b", /^x8 BAD /],
      ["+ NOOP", /^\* BAD /],
      // A tag that can be read gets its tagged BAD (RFC 3501 7.1.3), even without a verb.
      ["x11", /^x11 BAD /],
      ["x12 UID", /^x12 BAD /],
      ["x13 UID  FETCH 1 FLAGS", /^x13 BAD /],
      // RFC 5161 3.1: ENABLE only before a mailbox is selected.
      ["x14 ENABLE CONDSTORE", /^x14 BAD /],
      // RFC 3501 9: a quoted string holds no NUL (CHAR is %x01-7F).
      ['x15 STATUS "IN\x00BOX" (MESSAGES)', /^x15 BAD /],
      ['x16 SEARCH SUBJECT "a\x00b"', /^x16 BAD /],
      // A stray ")" after the keys is no key: the whole line must be read (RFC 3501 9).
      ["x17 SEARCH 1:* ALL)", /^x17 BAD /],
      ["x18 UID SEARCH RETURN (COUNT) ALL)", /^x18 BAD /],
      ["x19 STATUS INBOX (MESSAGES) UNSEEN", /^x19 BAD /],
      [`x9 UID FETCH ${oddNumbers(10_001)} FLAGS`, /^x9 BAD /],
      [`x10 UID FETCH ${oddNumbers(10_000)} FLAGS`, /^x10 OK /],
    ];
    for (const [line, expected] of cases) {
      await client.send(line + "\r\n");
      assert.match((await client.line())!, expected, line.slice(0, 80));
    }
    assert.match((await command(client, "ok", "NOOP")).at(-1)!, /^ok OK/);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("a literal quoted back in a NO or BAD cannot forge a response line with its CRLF", async () => {
  const server = await startServer({ users: USERS, flags: FLAGS });
  const client = await loggedIn(server.ports.imap!);
  try {
    // The refusal text quotes the client's value; a literal may hold CRLF (RFC 3501 4.3).
    const cases: [string, string, RegExp][] = [
      [
        "c SEARCH CHARSET",
        "X\r\n* BYE forged",
        /^c NO \[BADCHARSET .*\] Unsupported charset "X\?\?\* BYE FORGED"$/,
      ],
      ["d SEARCH SINCE", "X\r\nd OK forged yes", /^d BAD Invalid date "X\?\?d OK forged yes"$/],
    ];
    for (const [head, value, expected] of cases) {
      await client.send(`${head} {${value.length}}\r\n`);
      assert.equal(await client.line(), "+ Ready for literal data");
      await client.send(`${value}\r\n`);
      assert.match((await client.line())!, expected, head);
    }
    // Nothing was left over to read as a line of its own: the next reply is NOOP's.
    assert.deepEqual(await command(client, "n", "NOOP"), ["n OK NOOP completed"]);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("ENABLE answers ENABLED in the authenticated state, naming nothing it does not support", async () => {
  const server = await startServer({ users: USERS, flags: FLAGS });
  const client = await RawClient.connect(server.ports.imap!);
  try {
    assert.match((await client.line())!, /^\* OK /);
    assert.match((await command(client, "l", "LOGIN bob@example.test pw-bob")).at(-1)!, /^l OK /);
    assert.deepEqual(await command(client, "e", "ENABLE CONDSTORE"), [
      "* ENABLED",
      "e OK ENABLE completed",
    ]);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("ID answers field and value pairs, and BAD for a list that is not pairs of a string and an nstring", async () => {
  // RFC 2971 4: id_params_list ::= "(" #(string SPACE nstring) ")" / nil.
  const server = await startServer({ users: USERS, flags: FLAGS });
  const client = await RawClient.connect(server.ports.imap!);
  try {
    assert.match((await client.line())!, /^\* OK /);
    const cases: [string, RegExp][] = [
      ['ID ("name" "x" "version" NIL)', /^i OK /],
      ["ID NIL", /^i OK /],
      ["ID ()", /^i OK /],
      ['ID ("name")', /^i BAD /],
      ['ID ("name" "x" "os")', /^i BAD /],
      ['ID (NIL "x")', /^i BAD /],
      ['ID ("name" {1+}\r\nx "os" nil)', /^i OK /],
      // An atom is no nstring: only a quoted string, a literal or NIL.
      ['ID ("name" Thunderbird)', /^i BAD /],
      ['ID ("name" NILS)', /^i BAD /],
      ['ID ("name" "x" "os" Nix)', /^i BAD /],
    ];
    for (const [line, expected] of cases) {
      const answer = await command(client, "i", line);
      assert.match(answer.at(-1)!, expected, line);
      if (expected.source.includes("OK")) {
        assert.deepEqual(answer.slice(0, -1), ['* ID ("name" "Pillarbox")'], line);
      } else assert.equal(answer.length, 1, line);
    }
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("mailbox names that could leave the user's directory are refused", async () => {
  const server = await startServer({ users: USERS, flags: FLAGS });
  const client = await loggedIn(server.ports.imap!);
  try {
    for (const name of ['"../escape"', '".hidden"', '"a/b"', '"a..b"', '"trail."x', '"x\\\\y"']) {
      const reply = (await command(client, "c", `CREATE ${name}`)).at(-1)!;
      assert.match(reply, /^c (NO|BAD) /, name);
    }
    assert.match((await command(client, "s", 'SELECT "../../../etc"')).at(-1)!, /^s NO /);
    assert.match((await command(client, "r", 'RENAME Trash "../Trash"')).at(-1)!, /^r NO /);
    const accountDir = `${server.spoolDir}/mail/example.test/bob`;
    const entries = [...Deno.readDirSync(`${server.spoolDir}/mail/example.test`)].map((e) =>
      e.name
    );
    assert.deepEqual(entries, ["bob"]);
    const folders = [...Deno.readDirSync(accountDir)].map((e) => e.name).filter((n) =>
      n.startsWith(".")
    ).sort();
    assert.deepEqual(folders, [".Archive", ".Drafts", ".Junk", ".Sent", ".Trash"]);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("without TLS and without --insecure-auth, LOGIN is disabled", async () => {
  const server = await startServer({ users: USERS });
  const client = await RawClient.connect(server.ports.imap!);
  try {
    assert.match((await client.line())!, /^\* OK \[.*LOGINDISABLED.*\]/);
    const caps = await command(client, "c", "CAPABILITY");
    assert.ok(!caps[0]!.includes("AUTH=PLAIN"), caps[0]);
    const privacy = /^\w NO \[PRIVACYREQUIRED\] /; // RFC 5530 3
    assert.match((await command(client, "l", "LOGIN bob@example.test pw-bob")).at(-1)!, privacy);
    assert.match(
      (await command(client, "a", "AUTHENTICATE PLAIN AGJvYkBleGFtcGxlLnRlc3QAcHctYm9i")).at(-1)!,
      privacy,
    );
    // Any mechanism, even one we lack (Roundcube tries LOGIN here): TLS is what is missing.
    assert.match((await command(client, "b", "AUTHENTICATE LOGIN")).at(-1)!, privacy);
  } finally {
    client.close();
    await server.stop();
  }
});

const INJECTION_PROBE = `
import socket, ssl, sys
port, ca = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port), timeout=10)
f = s.makefile("rb")
print("greeting", f.readline().decode().strip())
s.sendall(b"a STARTTLS\\r\\nb NOOP\\r\\n")
print("plain", f.readline().decode().strip())
ctx = ssl.create_default_context(cafile=ca)
t = ctx.wrap_socket(s, server_hostname="localhost")
t.sendall(b"c LOGIN bob@example.test pw-bob\\r\\n")
g = t.makefile("rb")
print("tls", g.readline().decode().strip())
`;

Deno.test({
  name: "STARTTLS injection probe: a command pipelined after STARTTLS is never answered",
  ignore: !HAS_OPENSSL,
  fn: async () => {
    const certs = await makeTestCertificates(tempDir());
    const server = await startServer({
      users: USERS,
      flags: [`--tls-cert=${certs.certFile}`, `--tls-key=${certs.keyFile}`],
    });
    try {
      const out = await python(INJECTION_PROBE, [server.ports.imap!, certs.caFile]);
      assert.match(out, /^greeting \* OK \[.*STARTTLS.*LOGINDISABLED.*\]/m);
      assert.match(out, /^plain a OK Begin TLS/m);
      assert.match(out, /^tls c OK \[CAPABILITY [^\]]*\] Logged in$/m, "first reply in TLS is c's");
      assert.doesNotMatch(out, /^.*\bb (OK|BAD|NO)/m);
    } finally {
      await server.stop();
    }
  },
});

const IMAPS = `
import imaplib, ssl, sys
port, ca = int(sys.argv[1]), sys.argv[2]
M = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=ssl.create_default_context(cafile=ca))
print("caps", " ".join(M.capabilities))
M.login("bob@example.test", "pw-bob")
print("select", M.select("INBOX")[1][0].decode())
M.logout()
`;

Deno.test({
  name: "imaplib IMAP4_SSL logs in over implicit TLS on --imaps-listen",
  ignore: !HAS_OPENSSL,
  fn: async () => {
    const certs = await makeTestCertificates(tempDir());
    const server = await startServer({
      users: USERS,
      flags: [
        `--tls-cert=${certs.certFile}`,
        `--tls-key=${certs.keyFile}`,
        "--imaps-listen=127.0.0.1:0",
      ],
    });
    try {
      const out = await python(IMAPS, [server.ports.imaps!, certs.caFile]);
      assert.match(out, /^caps .*AUTH=PLAIN/m);
      assert.doesNotMatch(out, /STARTTLS|LOGINDISABLED/);
      assert.match(out, /^select 0$/m);
    } finally {
      await server.stop();
    }
  },
});
