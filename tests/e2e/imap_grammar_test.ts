/**
 * IMAP command grammar at its edges (RFC 3501 9, RFC 7888): overlong
 * command lines, literals the reader refuses or takes, and the tags of refusals.
 */
import assert from "node:assert/strict";
import { type Server, startServer } from "./harness.ts";
import { command, loginAsBob, untilTagged } from "./imap_helpers.ts";
import { RawClient } from "./raw_client.ts";

const USERS = { "bob@example.test": "pw-bob" };
const FLAGS = ["--insecure-auth"];

/** Bob logged in with INBOX selected. */
async function selectedInbox(port: number): Promise<RawClient> {
  const client = await loginAsBob(port);
  assert.match((await command(client, "s", "SELECT INBOX")).at(-1)!, /^s OK \[READ-WRITE\]/);
  return client;
}

/** Checks, in a new session, that no bytes ran as "CREATE Injected"; then stops the server. */
async function assertNoInjectedFolderThenStop(server: Server): Promise<void> {
  const other = await loginAsBob(server.ports.imap!);
  try {
    assert.deepEqual(await command(other, "l", 'LIST "" Injected'), ["l OK LIST completed"]);
  } finally {
    other.close();
    await server.stop();
  }
}

/** More than the 256 KiB a command line may hold. */
const OVERLONG = 300 * 1024;

Deno.test("an overlong command line gets a BAD with its tag; ending in {n+}, the connection closes before the literal runs as commands", async () => {
  const server = await startServer({ users: USERS, flags: FLAGS });
  const client = await loginAsBob(server.ports.imap!);
  try {
    // The tag is readable: the client waits for it (RFC 3501 7.1.3), an untagged BAD hangs it.
    await client.send(`a SEARCH ${"ALL ".repeat(OVERLONG / 4)}ALL\r\n`);
    assert.equal(await client.line(), "a BAD Command line too long");
    assert.deepEqual(await command(client, "b", "NOOP"), ["b OK NOOP completed"]);
    // The literal's bytes follow the line at once (RFC 7888): read as commands, they would
    // create a folder.
    const injected = "x1 CREATE Injected\r\n";
    const flags = "\\Seen ".repeat(OVERLONG / 6);
    await client.send(`c APPEND INBOX (${flags}\\Seen) {${injected.length}+}\r\n${injected}\r\n`);
    assert.equal(await client.line(), "c BAD Command line too long");
    assert.match((await client.line())!, /^\* BYE /);
    assert.ok(await client.isClosed(), "nothing after the BYE");
  } finally {
    client.close();
  }
  await assertNoInjectedFolderThenStop(server);
});

Deno.test("the lines of one command between its literals may hold 256 KiB together, not 256 KiB each", async () => {
  const server = await startServer({ users: USERS, flags: FLAGS });
  const client = await RawClient.connect(server.ports.imap!);
  try {
    assert.match((await client.line())!, /^\* OK /);
    // Before login: 64 such lines held 16 MB per connection until the command ended.
    const part = "x".repeat(60 * 1024);
    await client.send(`a LOGIN ${part} {0}\r\n`);
    for (let i = 0; i < 3; i++) {
      assert.equal(await client.line(), "+ Ready for literal data");
      await client.send(`${part} {0}\r\n`);
    }
    assert.equal(await client.line(), "+ Ready for literal data", "240 KiB so far");
    await client.send(`${part} {0}\r\n`);
    assert.equal(await client.line(), "a BAD Command line too long", "no + past 256 KiB");
    // No literal was asked for: the session goes on in step.
    assert.deepEqual(await command(client, "b", "NOOP"), ["b OK NOOP completed"]);
    // A LITERAL+ marker's bytes are on their way: they must not run as commands.
    const injected = "x1 CREATE Injected\r\n";
    const lines = Array.from({ length: 5 }, () => `${part} {0+}\r\n`).join("");
    await client.send(`c LOGIN ${lines}${part} {${injected.length}+}\r\n${injected}\r\n`);
    assert.equal(await client.line(), "c BAD Command line too long");
    assert.match((await client.line())!, /^\* BYE /);
    assert.ok(await client.isClosed(), "nothing after the BYE");
  } finally {
    client.close();
  }
  await assertNoInjectedFolderThenStop(server);
});

Deno.test("a refused literal's BAD never echoes a tag that is not one (RFC 3501 9: a tag holds no CTL)", async () => {
  const server = await startServer({ users: USERS, flags: FLAGS });
  const client = await loginAsBob(server.ports.imap!);
  try {
    const cases: [string, string][] = [
      ["a\x01b APPEND INBOX {99999999}", "* BAD Literal too large"],
      ["c\rd LOGIN {99999999}", "* BAD Literal too large"],
      ["e%f LOGIN {99999999}", "* BAD Literal too large"],
      // A valid tag with an unknown verb still gets its tagged refusal.
      ["g FROB {99999999}", "g BAD Literal too large"],
    ];
    for (const [line, expected] of cases) {
      await client.send(`${line}\r\n`);
      assert.equal(await client.line(), expected, JSON.stringify(line));
    }
    assert.deepEqual(await command(client, "n", "NOOP"), ["n OK NOOP completed"]);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("a literal's size may have leading zeros: {000...5+} is a literal, never a line whose bytes run as commands", async () => {
  const server = await startServer({ users: USERS, flags: FLAGS });
  const client = await loginAsBob(server.ports.imap!);
  try {
    // RFC 3501 9: literal = "{" number "}", number = 1*DIGIT, so any count of leading zeros.
    const zeros = "0".repeat(30);
    const message = "Subject: z\r\n\r\nb1 CREATE Injected\r\n";
    await client.send(`a APPEND INBOX {${zeros}${message.length}+}\r\n${message}\r\n`);
    const reply = await client.line();
    assert.match(reply!, /^a OK \[APPENDUID \d+ 1\]/);
    // Past any size we take: refused, and closed, as the bytes are on their way.
    await client.send(`c APPEND INBOX {1${zeros}+}\r\nc1 CREATE Injected\r\n\r\n`);
    assert.equal(await client.line(), "c NO [TOOBIG] Message too large");
    assert.match((await client.line())!, /^\* BYE /);
    assert.ok(await client.isClosed());
  } finally {
    client.close();
  }
  await assertNoInjectedFolderThenStop(server);
});

Deno.test("oversized literals are refused without a continuation; the session goes on or closes", async () => {
  const server = await startServer({ users: USERS, flags: FLAGS });
  const client = await selectedInbox(server.ports.imap!);
  try {
    await client.send("a APPEND INBOX {999999999}\r\n");
    assert.equal(await client.line(), "a NO [TOOBIG] Message too large", "no + was sent first");
    assert.match((await command(client, "b", "NOOP")).at(-1)!, /^b OK/);
    await client.send("c LOGIN {99999999}\r\n");
    assert.equal(await client.line(), "c BAD Literal too large");
    assert.match((await command(client, "d", "NOOP")).at(-1)!, /^d OK/);
    await client.send("e APPEND INBOX {4}\r\n");
    assert.equal(await client.line(), "+ Ready for literal data", "a synchronising literal waits");
    await client.send("ab\r\n\r\n");
    assert.match((await untilTagged(client, "e")).at(-1)!, /^e OK \[APPENDUID \d+ 1\]/);
    await client.send("f APPEND INBOX {999999999+}\r\nxxxx");
    assert.equal(await client.line(), "f NO [TOOBIG] Message too large");
    assert.match((await client.line())!, /^\* BYE /);
    assert.ok(await client.isClosed());
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("an APPEND literal larger than the first buffer arrives whole", async () => {
  const server = await startServer({ users: USERS, flags: FLAGS });
  const client = await selectedInbox(server.ports.imap!);
  try {
    const lines = Array.from({ length: 6_000 }, (_, i) => `line ${String(i).padStart(6, "0")}`);
    const message = `Subject: big\r\n\r\n${lines.join("\r\n")}\r\nEND\r\n`;
    await client.send(`a APPEND INBOX {${message.length}}\r\n`);
    assert.equal(await client.line(), "+ Ready for literal data");
    await client.send(message + "\r\n");
    assert.match((await untilTagged(client, "a")).at(-1)!, /^a OK \[APPENDUID \d+ 1\]/);
    const size = await command(client, "f", "FETCH 1 RFC822.SIZE");
    assert.equal(size[0], `* 1 FETCH (RFC822.SIZE ${message.length})`);
    const tail = await command(client, "t", `FETCH 1 BODY.PEEK[]<${message.length - 18}.18>`);
    assert.equal(tail.slice(1, 3).join("|"), "line 005999|END");
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("before login, every literal has the small limit: APPEND gets no continuation for a big one", async () => {
  const server = await startServer({ users: USERS, flags: FLAGS });
  const client = await RawClient.connect(server.ports.imap!);
  try {
    assert.match((await client.line())!, /^\* OK /);
    await client.send("a APPEND INBOX {20000000}\r\n");
    assert.equal(await client.line(), "a BAD Literal too large", "no + was sent first");
    // A literal within the small limit still gets its continuation before login.
    await client.send("l LOGIN bob@example.test {6}\r\n");
    assert.equal(await client.line(), "+ Ready for literal data");
    await client.send("pw-bob\r\n");
    assert.match((await untilTagged(client, "l")).at(-1)!, /^l OK /);
    await client.send("b LOGOUT\r\n");
    assert.match((await untilTagged(client, "b")).at(-1)!, /^b OK /);
    assert.ok(await client.isClosed());
  } finally {
    client.close();
  }
  const other = await RawClient.connect(server.ports.imap!);
  try {
    assert.match((await other.line())!, /^\* OK /);
    await other.send("b APPEND INBOX {70000+}\r\n");
    assert.equal(await other.line(), "b BAD Literal too large");
    assert.match((await other.line())!, /^\* BYE /);
    assert.ok(await other.isClosed());
  } finally {
    other.close();
    await server.stop();
  }
});

Deno.test("a literal of exactly the limit is taken, one octet more is refused", async () => {
  const server = await startServer({ users: USERS, flags: [...FLAGS, "--max-message-size=1000B"] });
  const client = await loginAsBob(server.ports.imap!);
  try {
    // The limit is the largest size allowed, as SMTP's SIZE (RFC 1870 4: "the maximum
    // message size ... that would be accepted"): a message of exactly 1000 octets goes in.
    const head = "Subject: at the limit\r\n\r\n";
    const message = head + "x".repeat(1000 - head.length - 2) + "\r\n";
    await client.send(`a APPEND INBOX {${message.length}}\r\n`);
    assert.equal(await client.line(), "+ Ready for literal data");
    await client.send(`${message}\r\n`);
    assert.match((await untilTagged(client, "a")).at(-1)!, /^a OK \[APPENDUID \d+ 1\]/);
    await client.send(`b APPEND INBOX {${message.length + 1}}\r\n`);
    assert.equal(await client.line(), "b NO [TOOBIG] Message too large");
    // Other commands' literals: 64 KiB at most (a password, a SEARCH string).
    await client.send(`c SEARCH TEXT {${64 * 1024}}\r\n`);
    assert.equal(await client.line(), "+ Ready for literal data");
    await client.send(`${"y".repeat(64 * 1024)}\r\n`);
    assert.match((await untilTagged(client, "c")).at(-1)!, /^c (BAD|NO) /); // nothing selected
    await client.send(`d SEARCH TEXT {${64 * 1024 + 1}}\r\n`);
    assert.equal(await client.line(), "d BAD Literal too large");
  } finally {
    client.close();
    await server.stop();
  }
});
