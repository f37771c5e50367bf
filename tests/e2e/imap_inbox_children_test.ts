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
