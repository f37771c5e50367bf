/**
 * Folders an earlier version made for "inbox.X" (as `.inbox.X`, a second
 * hierarchy) are renamed at login to `.INBOX.X`, which the name now means,
 * so none is left out of reach.
 */
import assert from "node:assert/strict";
import { startServer } from "./harness.ts";
import { command, loginAsBob } from "./imap_helpers.ts";
import { mailboxDir } from "../../src/mailbox/mod.ts";

const BOB = "bob@example.test";

function makeFolder(dir: string, folder: string, message?: string): void {
  for (const sub of ["tmp", "new", "cur"]) {
    Deno.mkdirSync(`${dir}/.${folder}/${sub}`, { recursive: true });
  }
  if (message) Deno.writeTextFileSync(`${dir}/.${folder}/cur/1.old.host:2,S`, message);
}

Deno.test("a folder left as .inbox.X is renamed at login to INBOX.X, with its mail and subscription; one whose new name is taken stays and is logged", async () => {
  const server = await startServer({ users: { [BOB]: "pw-bob" }, flags: ["--insecure-auth"] });
  const dir = mailboxDir(server.spoolDir, BOB);
  makeFolder(dir, "inbox.Lists", "Subject: kept\r\n\r\nbody\r\n");
  makeFolder(dir, "inbox.Lists.Deno");
  makeFolder(dir, "Inbox.Dup");
  makeFolder(dir, "INBOX.Dup");
  Deno.writeTextFileSync(`${dir}/pillarbox-subscriptions`, "inbox.Lists\n");
  const client = await loginAsBob(server.ports.imap!);
  try {
    const lines = await command(client, "a", 'LIST "" "*"');
    const names = lines.slice(0, -1).map((line) => line.replace(/^\* LIST \([^)]*\) "\." /, ""));
    assert.ok(names.includes("INBOX.Lists") && names.includes("INBOX.Lists.Deno"), names.join());
    assert.ok(!names.some((name) => name.startsWith("inbox.")), names.join());
    const selected = await command(client, "s", "SELECT inbox.Lists");
    assert.ok(selected.includes("* 1 EXISTS"), selected.join(" | "));
    const subscribed = await command(client, "b", 'LSUB "" "*"');
    assert.ok(subscribed.some((line) => line.endsWith(' "." INBOX.Lists')), subscribed.join(" | "));
    await server.waitForLog(/event=imap\.folder_renamed .*from=inbox\.Lists /);
    await server.waitForLog(/event=imap\.folder_unreachable .*folder=Inbox\.Dup /);
    assert.ok(Deno.statSync(`${dir}/.Inbox.Dup/cur`).isDirectory, "nothing is dropped");
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("a folder an earlier version made under a name whose modified UTF-7 splits a run in two is renamed at login to its one spelling, with its mail, UIDs and subscription", async () => {
  const server = await startServer({ users: { [BOB]: "pw-bob" }, flags: ["--insecure-auth"] });
  const dir = mailboxDir(server.spoolDir, BOB);
  // "Grüüe" and "Café.Subéé" as CREATE took them before such names were refused
  // (RFC 3501 5.1.3); today they are "Gr&APwA,A-e" and "Caf&AOk-.Sub&AOkA6Q-".
  makeFolder(dir, "Gr&APw-&APw-e", "Subject: kept\r\n\r\nbody\r\n");
  Deno.writeTextFileSync(
    `${dir}/.Gr&APw-&APw-e/pillarbox-uidlist`,
    "pillarbox-uidlist 1 1700000000 8\n7 1.old.host\n",
  );
  makeFolder(dir, "Caf&AOk-");
  makeFolder(dir, "Caf&AOk-.Sub&AOk-&AOk-", "Subject: nested\r\n\r\nbody\r\n");
  Deno.writeTextFileSync(`${dir}/pillarbox-subscriptions`, "Gr&APw-&APw-e\n");
  const client = await loginAsBob(server.ports.imap!);
  try {
    const lines = await command(client, "a", 'LIST "" "*"');
    const names = lines.slice(0, -1).map((line) => line.replace(/^\* LIST \([^)]*\) "\." /, ""));
    assert.ok(names.includes("Gr&APwA,A-e"), names.join());
    assert.ok(names.includes("Caf&AOk-.Sub&AOkA6Q-"), names.join());
    const selected = await command(client, "s", 'SELECT "Gr&APwA,A-e"');
    assert.ok(selected.includes("* 1 EXISTS"), selected.join(" | "));
    assert.ok(selected.some((line) => line.includes("[UIDVALIDITY 1700000000]")), selected.join());
    const fetched = await command(client, "f", "UID FETCH 7 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
    assert.ok(fetched.some((line) => line.startsWith("Subject: kept")), fetched.join(" | "));
    const nested = await command(client, "n", 'SELECT "Caf&AOk-.Sub&AOkA6Q-"');
    assert.ok(nested.includes("* 1 EXISTS"), nested.join(" | "));
    const subscribed = await command(client, "b", 'LSUB "" "*"');
    assert.ok(subscribed.some((line) => line.endsWith(' "." Gr&APwA,A-e')), subscribed.join(" | "));
    await server.waitForLog(/event=imap\.folder_renamed .*from=Gr&APw-&APw-e /);
  } finally {
    client.close();
    await server.stop();
  }
});
