/**
 * IMAP over a Maildir that other programs share (design: the Maildir is the
 * users' contract): folders another tool made, under names IMAP cannot carry.
 */
import assert from "node:assert/strict";
import { startServer } from "./harness.ts";
import { command } from "./imap_helpers.ts";
import { RawClient } from "./raw_client.ts";
import { mailboxDir } from "../../src/mailbox/mod.ts";

const BOB = "bob@example.test";

Deno.test("LIST leaves out folders another tool named in raw UTF-8 or with wildcards, and sends only 7-bit names", async () => {
  const server = await startServer({ users: { [BOB]: "pw-bob" }, flags: ["--insecure-auth"] });
  const dir = mailboxDir(server.spoolDir, BOB);
  for (const folder of [".Entwürfe", ".Entwürfe.Alt", ".a*b", ".Caf&AOk-"]) {
    for (const sub of ["tmp", "new", "cur"]) {
      Deno.mkdirSync(`${dir}/${folder}/${sub}`, { recursive: true });
    }
  }
  const client = await RawClient.connect(server.ports.imap!);
  try {
    assert.match((await client.line())!, /^\* OK /);
    assert.match((await command(client, "l", `LOGIN ${BOB} pw-bob`)).at(-1)!, /^l OK /);
    const lines = await command(client, "a", 'LIST "" "*"');
    assert.match(lines.at(-1)!, /^a OK /);
    for (const line of lines) assert.match(line, /^[\x20-\x7e]*$/, "a 7-bit line");
    const names = lines.slice(0, -1).map((line) => line.replace(/^\* LIST \([^)]*\) "\." /, ""));
    assert.deepEqual(names, ["Archive", "Caf&AOk-", "Drafts", "INBOX", "Junk", "Sent", "Trash"]);
    // Every name LIST gives can be selected.
    for (const name of names) {
      assert.match((await command(client, "s", `SELECT ${name}`)).at(-1)!, /^s OK /);
    }
  } finally {
    client.close();
    await server.stop();
  }
});
