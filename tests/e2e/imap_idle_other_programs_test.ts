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
    // Deleted where it is now (the server may have moved it to cur/), as a mutt would, but not
    // in the same tick of the file system's clock as that move: cur/'s mtime would not change,
    // and a change hidden so is only found by the whole listing a minute later (README, IMAP;
    // listing_refresh.ts keepCurTrusted). A person's mutt is never that quick.
    await pastFileSystemTick(`${inbox}/cur`);
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

/** Waits until `dir`'s mtime is a few coarse clock ticks (1-10 ms each) in the past. */
async function pastFileSystemTick(dir: string): Promise<void> {
  while (Date.now() - Deno.statSync(dir).mtime!.getTime() < 50) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
