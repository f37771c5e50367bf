/**
 * DELETE and RENAME of a folder another session has selected: that session
 * hears `* BYE` (RFC 2180 3.2) without sending anything, whether idle
 * between commands or in IDLE; the deleting session just leaves the folder
 * ([CLOSED]); a folder created again under the old name starts empty. A
 * session whose command leaves the folder while it goes (a SELECT of
 * another) hears no BYE for it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { mailboxDir } from "../../src/mailbox/mod.ts";
import { startServer, waitUntil } from "./harness.ts";
import { command, loginAsBob, untilTagged } from "./imap_helpers.ts";
import { RawClient } from "./raw_client.ts";

const USERS = { "bob@example.test": "pw-bob" };
const FLAGS = ["--insecure-auth"];

const APPEND = "Subject: in work\r\n\r\nbody\r\n";

Deno.test("DELETE or RENAME of a folder selected elsewhere ends that session with BYE", async () => {
  const server = await startServer({ users: USERS, flags: FLAGS });
  const clients: RawClient[] = [];
  try {
    const actor = await loginAsBob(server.ports.imap!);
    clients.push(actor);
    assert.match((await command(actor, "c", "CREATE Work")).at(-1)!, /^c OK/);
    assert.match((await command(actor, "c2", "CREATE Play")).at(-1)!, /^c2 OK/);
    await actor.send(`a APPEND Work {${APPEND.length}+}\r\n${APPEND}\r\n`);
    assert.match((await untilTagged(actor, "a")).at(-1)!, /^a OK \[APPENDUID \d+ 1\]/);

    // Session 1 waits between commands with Work selected; session 2 is in IDLE on Play.
    const waiting = await loginAsBob(server.ports.imap!);
    const idling = await loginAsBob(server.ports.imap!);
    clients.push(waiting, idling);
    assert.match((await command(waiting, "s", "SELECT Work")).join("\n"), /\* 1 EXISTS/);
    assert.match((await command(idling, "s", "SELECT Play")).at(-1)!, /^s OK/);
    await idling.send("i IDLE\r\n");
    assert.equal(await idling.line(), "+ idling");

    // The actor has Work selected too: it leaves it without a BYE.
    assert.match((await command(actor, "s", "SELECT Work")).at(-1)!, /^s OK/);
    const deleted = await command(actor, "d", "DELETE Work");
    assert.deepEqual(deleted, ["* OK [CLOSED] Mailbox deselected", "d OK DELETE completed"]);
    assert.equal(await waiting.line(), "* BYE Selected mailbox was deleted");
    assert.equal(await waiting.isClosed(), true);

    const renamed = await command(actor, "r", "RENAME Play Games");
    assert.equal(renamed.at(-1), "r OK RENAME completed");
    assert.equal(await idling.line(), "* BYE Selected mailbox was renamed");
    assert.equal(await idling.isClosed(), true);

    // The registry dropped the old instance: a new Work is empty, Games is selectable.
    assert.match((await command(actor, "c3", "CREATE Work")).at(-1)!, /^c3 OK/);
    const fresh = await command(actor, "s2", "SELECT Work");
    assert.ok(fresh.includes("* 0 EXISTS"), fresh.join("\n"));
    assert.match((await command(actor, "s3", "SELECT Games")).at(-1)!, /^s3 OK/);
    assert.match((await command(actor, "s4", "SELECT Play")).at(-1)!, /^s4 NO \[NONEXISTENT\]/);
    // RFC 5530 3: the same code for every command that needs the old name to exist.
    assert.match((await command(actor, "e4", "EXAMINE Play")).at(-1)!, /^e4 NO \[NONEXISTENT\]/);
    const status = await command(actor, "t4", "STATUS Play (MESSAGES)");
    assert.match(status.at(-1)!, /^t4 NO \[NONEXISTENT\]/);
  } finally {
    for (const client of clients) client.close();
    await server.stop();
  }
});

/** Messages in the folder whose COPY holds its lock while the test lines the others up. */
const COPY_COUNT = 1000;

Deno.test("a session that SELECTs another folder while its own is deleted hears no BYE", async () => {
  const server = await startServer({ users: USERS, flags: [...FLAGS, "--log-level=debug"] });
  const clients: RawClient[] = [];
  try {
    const actor = await loginAsBob(server.ports.imap!);
    clients.push(actor);
    for (const name of ["Old", "Other", "Copies"]) {
      assert.match((await command(actor, "c", `CREATE ${name}`)).at(-1)!, /^c OK/);
    }
    const old = join(mailboxDir(server.spoolDir, "bob@example.test"), ".Old");
    for (let i = 1; i <= COPY_COUNT; i++) {
      const text = `Subject: number ${i}\r\n\r\nbody\r\n`;
      const name = `${1_700_000_000 + i}.M0P1Q${i}.race.test,S=${text.length}:2,S`;
      Deno.writeTextFileSync(join(old, "cur", name), text);
    }
    const copier = await loginAsBob(server.ports.imap!);
    const leaver = await loginAsBob(server.ports.imap!);
    clients.push(copier, leaver);
    for (const client of [copier, leaver]) {
      const selected = await command(client, "s", "SELECT Old");
      assert.ok(selected.includes(`* ${COPY_COUNT} EXISTS`), selected.join("\n"));
    }
    // The COPY holds Old's lock while it writes its copies into Copies' tmp/: the DELETE
    // waits for it, and any folder of the account opened meanwhile waits for the DELETE.
    await copier.send("c COPY 1:* Copies\r\n");
    const copiesTmp = join(mailboxDir(server.spoolDir, "bob@example.test"), ".Copies", "tmp");
    await waitUntil(() => [...Deno.readDirSync(copiesTmp)].length > 0, 30_000, "copying");
    await actor.send("d DELETE Old\r\n");
    await server.waitForLog(/event=imap\.command .*verb=DELETE/);
    // So this SELECT is under way when Old goes: it leaves Old, and owes no BYE for it.
    await leaver.send("s2 SELECT Other\r\n");
    assert.match((await untilTagged(copier, "c")).at(-1)!, /^c OK \[COPYUID /);
    assert.equal((await untilTagged(actor, "d")).at(-1), "d OK DELETE completed");
    const reselected = await untilTagged(leaver, "s2");
    assert.equal(reselected.find((line) => line.startsWith("* BYE")), undefined);
    assert.match(reselected.at(-1)!, /^s2 OK \[READ-WRITE\]/);
    assert.deepEqual(await command(leaver, "n", "NOOP"), ["n OK NOOP completed"]);
  } finally {
    for (const client of clients) client.close();
    await server.stop();
  }
});
