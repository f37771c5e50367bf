/**
 * \Recent (RFC 3501 2.3.2): a message is recent in one session only, the
 * first to be told of it, however long ago that was (the mailbox dropped
 * from the idle cache, the server restarted); STATUS RECENT agrees with it.
 */
import assert from "node:assert/strict";
import { startServer } from "./harness.ts";
import { command, deliver } from "./imap_helpers.ts";
import { RawClient } from "./raw_client.ts";

const USERS = { "bob@example.test": "pw-bob" };
const FLAGS = ["--insecure-auth"];
const MESSAGE = "From: a@remote.test\r\nSubject: recent\r\n\r\nbody\r\n";

async function login(port: number): Promise<RawClient> {
  const client = await RawClient.connect(port);
  assert.match((await client.line())!, /^\* OK /);
  assert.match((await command(client, "l", "LOGIN bob@example.test pw-bob")).at(-1)!, /^l OK /);
  return client;
}

/** The RECENT count a read-write SELECT of INBOX reports. */
async function recentOnSelect(port: number): Promise<string | undefined> {
  const client = await login(port);
  try {
    const lines = await command(client, "s", "SELECT INBOX");
    assert.match(lines.at(-1)!, /^s OK \[READ-WRITE\]/);
    return lines.find((line) => line.endsWith(" RECENT"));
  } finally {
    await command(client, "o", "LOGOUT");
    client.close();
  }
}

Deno.test("a message claimed \\Recent stays claimed after its mailbox left the idle cache", async () => {
  const server = await startServer({ users: USERS, flags: FLAGS });
  try {
    await deliver(server, [MESSAGE, MESSAGE]);
    assert.equal(await recentOnSelect(server.ports.imap!), "* 2 RECENT");
    // More idle mailboxes than the cache keeps (32): INBOX, idle longest, is dropped.
    const client = await login(server.ports.imap!);
    for (let i = 0; i < 34; i++) {
      assert.match((await command(client, "c", `CREATE F${i}`)).at(-1)!, /^c OK/);
      assert.match((await command(client, "t", `STATUS F${i} (MESSAGES)`)).at(-1)!, /^t OK/);
    }
    const status = await command(client, "t", "STATUS INBOX (RECENT MESSAGES)");
    assert.equal(status[0], "* STATUS INBOX (RECENT 0 MESSAGES 2)");
    client.close();
    assert.equal(await recentOnSelect(server.ports.imap!), "* 0 RECENT");
  } finally {
    await server.stop();
  }
});

Deno.test("a message claimed \\Recent is not \\Recent again after a restart", async () => {
  let server = await startServer({ users: USERS, flags: FLAGS });
  const spoolDir = server.spoolDir;
  try {
    await deliver(server, [MESSAGE]);
    assert.equal(await recentOnSelect(server.ports.imap!), "* 1 RECENT");
    await server.stop();
    server = await startServer({ spoolDir, flags: FLAGS });
    assert.equal(await recentOnSelect(server.ports.imap!), "* 0 RECENT");
  } finally {
    await server.stop();
  }
});

Deno.test("STATUS RECENT does not count messages a selected session has claimed", async () => {
  const server = await startServer({ users: USERS, flags: FLAGS });
  const holder = await login(server.ports.imap!);
  const other = await login(server.ports.imap!);
  try {
    await deliver(server, [MESSAGE, MESSAGE]);
    const selected = await command(holder, "s", "SELECT INBOX");
    assert.ok(selected.includes("* 2 RECENT"), selected.join("\n"));
    const status = await command(other, "t", "STATUS INBOX (RECENT)");
    assert.equal(status[0], "* STATUS INBOX (RECENT 0)");
    const examined = await command(other, "e", "EXAMINE INBOX");
    assert.ok(examined.includes("* 0 RECENT"), examined.join("\n"));
  } finally {
    holder.close();
    other.close();
    await server.stop();
  }
});

Deno.test("EXAMINE shows unclaimed messages \\Recent, also ones arriving meanwhile, and leaves them to the next SELECT", async () => {
  const server = await startServer({ users: USERS, flags: FLAGS });
  const examiner = await login(server.ports.imap!);
  try {
    await deliver(server, [MESSAGE, MESSAGE]);
    const examined = await command(examiner, "e", "EXAMINE INBOX");
    assert.match(examined.at(-1)!, /^e OK \[READ-ONLY\]/);
    assert.ok(examined.includes("* 2 RECENT"), examined.join("\n"));
    const fetched = await command(examiner, "f", "FETCH 1:2 (FLAGS)");
    assert.deepEqual(fetched.slice(0, 2), [
      "* 1 FETCH (FLAGS (\\Recent))",
      "* 2 FETCH (FLAGS (\\Recent))",
    ]);
    await deliver(server, [MESSAGE]);
    const noop = await command(examiner, "n", "NOOP");
    assert.deepEqual(noop, ["* 3 EXISTS", "* 3 RECENT", "n OK NOOP completed"]);
    assert.equal((await command(examiner, "r", "SEARCH RECENT"))[0], "* SEARCH 1 2 3");
    assert.equal(await recentOnSelect(server.ports.imap!), "* 3 RECENT");
  } finally {
    examiner.close();
    await server.stop();
  }
});
