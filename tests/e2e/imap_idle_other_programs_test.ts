/**
 * IDLE on a folder another program writes into (procmail, getmail, Dovecot's
 * LDA delivering; a mutt deleting): RFC 9051 6.3.13 has the server send
 * EXISTS and EXPUNGE while the client idles. Changes made in this process
 * wake an IDLE at once; another program's are found by the look at the
 * folder each IDLE takes every few seconds, where before they waited for the
 * client's DONE (Thunderbird idles up to 29 minutes).
 */
import assert from "node:assert/strict";
import { startServer } from "./harness.ts";
import { command, loginAsBob } from "./imap_helpers.ts";

/** Far above the few seconds between looks: a line not here by then is not coming. */
const LONG_ENOUGH_MS = 30_000;

Deno.test("IDLE announces a message another program put in the Maildir, and its removal, before DONE", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw-bob" },
    flags: ["--insecure-auth"],
  });
  const client = await loginAsBob(server.ports.imap!);
  const inbox = `${server.spoolDir}/mail/example.test/bob`;
  try {
    assert.match((await command(client, "s", "SELECT INBOX")).at(-1)!, /^s OK /);
    await client.send("i IDLE\r\n");
    assert.equal(await client.line(), "+ idling");
    // Written in tmp/ and renamed into new/, as procmail and getmail do, with bare LFs.
    const text = "From: a@example.org\nSubject: from procmail\n\nbody\n";
    Deno.writeTextFileSync(`${inbox}/tmp/1700000001.4242_0.host`, text);
    Deno.renameSync(`${inbox}/tmp/1700000001.4242_0.host`, `${inbox}/new/1700000001.4242_0.host`);
    assert.equal(await client.line(LONG_ENOUGH_MS), "* 1 EXISTS");
    assert.equal(await client.line(), "* 1 RECENT");
    // Deleted where it is now (the server may have moved it to cur/), as a mutt would.
    const [path] = ["new", "cur"].flatMap((sub) =>
      [...Deno.readDirSync(`${inbox}/${sub}`)].map((entry) => `${inbox}/${sub}/${entry.name}`)
    );
    Deno.removeSync(path!);
    assert.equal(await client.line(LONG_ENOUGH_MS), "* 1 EXPUNGE");
    await client.send("DONE\r\n");
    assert.equal(await client.line(), "i OK IDLE terminated");
  } finally {
    client.close();
    await server.stop();
  }
});
