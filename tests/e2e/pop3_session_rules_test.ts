/**
 * POP3 session rules no other test pinned down (each was found by a
 * deliberate mutation of src/pop3 that left every test green): the login
 * name's case, what LIST and UIDL leave out after DELE, UIDL's 70-character
 * bound, TOP versus RETR on the Maildir flags, the 255-octet line, the
 * error limit and what counts towards it, and the AUTHORIZATION commands'
 * arguments.
 */
import assert from "node:assert/strict";
import { maildirFiles, type Server, startServer, waitUntil } from "./harness.ts";
import { RawClient } from "./raw_client.ts";

const BOB = "bob@example.test";
const PASSWORD = "bob-pw";
/** A second account whose AUTH PLAIN line is longer than 255 octets. */
const CAROL = "carol@example.test";
const LONG_PASSWORD = "p".repeat(300);
const BODY = "Subject: hi\r\n\r\nline one\r\nline two\r\n";
/** Base names of 70 and 71 characters (RFC 1939 7: a unique-id is 1 to 70 characters). */
const BASE_70 = "1700000002." + "a".repeat(59);
const BASE_71 = "1700000003." + "b".repeat(60);
/** In delivery order (the seconds that start each name): message numbers 1 to 4. */
const MESSAGES = ["1700000000.first", "1700000001.second", BASE_70, BASE_71];

async function withServer(test: (server: Server) => Promise<void>): Promise<void> {
  const server = await startServer({
    users: { [BOB]: PASSWORD, [CAROL]: LONG_PASSWORD },
    flags: ["--insecure-auth"],
  });
  try {
    const maildir = `${server.spoolDir}/mail/example.test/bob`;
    for (const sub of ["new", "cur", "tmp"]) {
      Deno.mkdirSync(`${maildir}/${sub}`, { recursive: true });
    }
    for (const base of MESSAGES) Deno.writeTextFileSync(`${maildir}/new/${base}`, BODY);
    await test(server);
  } finally {
    await server.stop();
  }
}

/** Opens a session, runs `body`, closes it and waits until the server has let go of it. */
async function session(server: Server, body: (client: RawClient) => Promise<void>) {
  const before = server.log().split("event=pop3.disconnect").length;
  const client = await RawClient.connect(server.ports.pop3!);
  try {
    assert.match((await client.line())!, /^\+OK /);
    await body(client);
  } finally {
    client.close();
  }
  await waitUntil(
    () => server.log().split("event=pop3.disconnect").length > before,
    10_000,
    "the session's end",
  );
}

/** A multi-line reply's lines (status line first, without the final "."). */
async function multi(client: RawClient, command: string): Promise<string[]> {
  await client.send(command + "\r\n");
  const lines = [(await client.line())!];
  assert.match(lines[0]!, /^\+OK/, command);
  for (let line = await client.line(); line !== "."; line = await client.line()) {
    assert.notEqual(line, null, `${command}: closed inside the reply`);
    lines.push(line!);
  }
  return lines;
}

async function logIn(client: RawClient, user = BOB): Promise<void> {
  assert.match(await client.command(`USER ${user}`), /^\+OK/);
  assert.match(await client.command(`PASS ${PASSWORD}`), /^\+OK/);
}

Deno.test("POP3 maildrop rules: the login name's case, LIST and UIDL after DELE, UIDL's 70 characters, TOP and RETR flags", async () => {
  await withServer(async (server) => {
    await session(server, async (client) => {
      // Logins are addresses, compared case-insensitively: the same maildrop, not an empty one.
      await logIn(client, "BOB@Example.TEST");
      assert.match(await client.command("STAT"), /^\+OK 4 \d+$/);
      // Logged as the account, in the one spelling a grep for it finds.
      const login = await server.waitForLog(/event=pop3\.login /);
      assert.match(login, / user=bob@example\.test /);
      const uidl = await multi(client, "UIDL");
      assert.equal(uidl[3], `3 ${BASE_70}`, "70 characters: the base name itself");
      const hashed = uidl[4]?.split(" ")[1] ?? "";
      assert.match(hashed, /^[0-9a-f]{40}$/, `71 characters: a SHA-1 (${uidl[4]})`);
      assert.equal(await client.command("UIDL 4"), `+OK 4 ${hashed}`);
      // RFC 1939 5 (LIST, UIDL): messages marked as deleted are not listed.
      assert.match(await client.command("DELE 1"), /^\+OK/);
      assert.deepEqual((await multi(client, "LIST")).slice(1).map((l) => l.split(" ")[0]), [
        "2",
        "3",
        "4",
      ]);
      assert.deepEqual((await multi(client, "UIDL")).slice(1).map((l) => l.split(" ")[0]), [
        "2",
        "3",
        "4",
      ]);
      assert.match(await client.command("STAT"), /^\+OK 3 \d+$/);
      // TOP reads without marking seen; RETR marks seen (README, "Mailboxes and POP3").
      assert.match(await client.command("TOP 2 0 5"), /^-ERR /, "TOP takes two arguments");
      await multi(client, "TOP 2 0");
      await multi(client, "RETR 3");
      assert.match(await client.command("RSET"), /^\+OK/);
      assert.match(await client.command("QUIT"), /^\+OK/);
    });
    const cur = maildirFiles(server.spoolDir, BOB, "cur").map((path) => path.split("/").pop());
    assert.deepEqual(cur.sort(), [`${BASE_70}:2,S`, "1700000001.second:2,"].sort());
    assert.equal(maildirFiles(server.spoolDir, BOB).length, 2, "the others are still new");
  });
});

Deno.test("POP3 UPDATE removes exactly the messages marked, by number, and no other (RFC 1939 6)", async () => {
  await withServer(async (server) => {
    await session(server, async (client) => {
      await logIn(client);
      assert.match(await client.command("DELE 2"), /^\+OK/);
      assert.match(await client.command("DELE 4"), /^\+OK/);
      assert.match(await client.command("QUIT"), /^\+OK .*\(2 messages deleted\)$/);
    });
    const left = maildirFiles(server.spoolDir, BOB).map((path) => path.split("/").pop());
    assert.deepEqual(left.sort(), [MESSAGES[0], MESSAGES[2]].sort());
  });
});

Deno.test("POP3 command lines: 255 octets with the CRLF are read, 256 are too long; NUL and CR are refused", async () => {
  await withServer(async (server) => {
    await session(server, async (client) => {
      // RFC 2449 4: a command line is at most 255 octets, CRLF included.
      const fits = "USER " + "x".repeat(248);
      assert.equal(fits.length + 2, 255);
      assert.match(await client.command(fits), /^\+OK/);
      assert.match(await client.command(fits + "x"), /^-ERR Line too long$/);
      assert.match(await client.command(`USER ${BOB}\0x`), /^-ERR Control characters/);
      assert.match(await client.command(`USER ${BOB}\rx`), /^-ERR Control characters/);
      assert.match(await client.command("QUIT"), /^\+OK/);
    });
  });
});

Deno.test("POP3 AUTHORIZATION arguments: USER takes one name, AUTH one response, and PASS follows only USER", async () => {
  await withServer(async (server) => {
    await session(server, async (client) => {
      // No certificate configured: STLS is refused, and the session stays in plain text.
      assert.match(await client.command("STLS"), /^-ERR STLS is not available/);
      assert.match(await client.command(`USER ${BOB} extra`), /^-ERR USER needs one name/);
      const token = btoa(`\0${BOB}\0${PASSWORD}`);
      assert.match(await client.command(`AUTH PLAIN ${token} extra`), /^-ERR /);
      // RFC 1939 7: PASS only immediately after a successful USER; an AUTH in between
      // (here a failed one) ends what USER began.
      assert.match(await client.command(`USER ${BOB}`), /^\+OK/);
      const wrong = btoa(`\0${BOB}\0not-the-password`);
      assert.match(await client.command(`AUTH PLAIN ${wrong}`), /^-ERR \[AUTH\]/);
      assert.match(await client.command(`PASS ${PASSWORD}`), /^-ERR Send USER first/);
      assert.match(await client.command("STAT"), /^-ERR /, "still not logged in");
      // A continuation line over RFC 4954's 12288 octets is refused, and the session goes on.
      await client.send("AUTH PLAIN\r\n");
      assert.equal(await client.line(), "+ ");
      assert.match(await client.command("A".repeat(13_000)), /^-ERR Line too long/);
      assert.match(await client.command("CAPA"), /^\+OK/, "still open");
      while (await client.line() !== ".");
      assert.match(await client.command("QUIT"), /^\+OK/);
    });
    await session(server, async (client) => {
      // RFC 5034 4 tells clients to keep AUTH within 255 octets; one that does not still logs in.
      const line = `AUTH PLAIN ${btoa(`\0${CAROL}\0${LONG_PASSWORD}`)}`;
      assert.ok(line.length > 255);
      assert.match(await client.command(line), /^\+OK Logged in/);
      assert.match(await client.command("QUIT"), /^\+OK/);
    });
  });
});

Deno.test("POP3 error limit: the tenth client error closes the session; the server's own refusals (IN-USE) never do", async () => {
  await withServer(async (server) => {
    await session(server, async (client) => {
      for (let i = 1; i <= 9; i++) {
        assert.match(await client.command("XYZZY"), /^-ERR Unknown command/, `error ${i}`);
      }
      assert.equal(await client.command("XYZZY"), "-ERR Too many errors, closing connection");
      assert.ok(await client.isClosed(), "closed after the tenth");
    });
    await session(server, async (holder) => {
      await logIn(holder);
      await session(server, async (client) => {
        for (let i = 1; i <= 11; i++) {
          assert.match(await client.command(`USER ${BOB}`), /^\+OK/);
          assert.match(await client.command(`PASS ${PASSWORD}`), /^-ERR \[IN-USE\] /, `try ${i}`);
        }
        assert.match(await client.command("CAPA"), /^\+OK/, "still open");
        await client.send("QUIT\r\n");
      });
      assert.match(await holder.command("QUIT"), /^\+OK/);
    });
  });
});
