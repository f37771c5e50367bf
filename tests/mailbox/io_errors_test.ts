/**
 * A mailbox whose disk fails part-way through a change or a listing: what
 * was done is announced, and what failed is tried again once the disk is
 * back. Faults are made with the file system itself (a directory where a
 * file should be), so these run everywhere.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Logger } from "../../src/log/mod.ts";
import { type MailboxChange, Mailboxes, MaildirStore } from "../../src/mailbox/mod.ts";

const ACCOUNT = "bob@example.test";
const encoder = new TextEncoder();

function setup() {
  const spoolDir = makeTestDir({ prefix: "pillarbox-mailbox-io-" });
  const store = new MaildirStore({ spoolDir, hostname: "mx.test" });
  const mailboxes = new Mailboxes({
    spoolDir,
    hostname: "mx.test",
    log: new Logger({ sink: () => {} }),
    store,
  });
  return { store, mailboxes, dir: mailboxes.accountDir(ACCOUNT) };
}

/** A mailbox of three delivered messages, its second, and the changes its listener hears. */
async function threeMessagesHeard() {
  const { store, mailboxes, dir } = setup();
  for (const n of [1, 2, 3]) {
    await store.deliver([ACCOUNT], [encoder.encode(`Subject: ${n}\r\n\r\n`)]);
  }
  const mailbox = await mailboxes.openMailbox(ACCOUNT);
  const [, second] = await mailbox.refresh();
  const changes: MailboxChange[] = [];
  mailbox.onChange((change) => changes.push(change));
  return { mailbox, dir, second: second!, changes };
}

Deno.test("an expunge that fails on its second message still announces the first, whose file is gone", async () => {
  const { mailbox, dir, second, changes } = await threeMessagesHeard();
  // Its removal fails (a directory that is not empty cannot be unlinked), as EIO would.
  const path = join(dir, "new", second.base); // delivered: in new/ under its base name
  Deno.removeSync(path);
  Deno.mkdirSync(join(path, "stuck"), { recursive: true });
  await assert.rejects(mailbox.expunge([1, 2, 3], { origin: "s1" }), /not empty/i);
  assert.equal(mailbox.get(1), undefined, "message 1 is gone");
  // Every session viewing the mailbox must hear it, or it keeps numbering a message that is not there.
  assert.deepEqual(changes, [{ kind: "expunged", uids: [1], origin: "s1" }]);
  assert.deepEqual(mailbox.messages().map((m) => m.uid), [2, 3]);
});

Deno.test("a listing that fails is made again at the next refresh, even when the folders have not changed since", async () => {
  const { mailboxes, dir } = setup();
  const mailbox = await mailboxes.openMailbox(ACCOUNT);
  assert.equal((await mailbox.refresh()).length, 0);
  // Another program delivers; the next listing comes more than a second later and fails.
  Deno.writeTextFileSync(
    join(dir, "new", "1000000001.M1P1Q1.other,S=16"),
    "Subject: x\r\n\r\nx\r\n",
  );
  const pastSeconds = Math.floor(Date.now() / 1000) - 60;
  const age = (path: string) => Deno.utimeSync(path, pastSeconds, pastSeconds);
  age(join(dir, "new"));
  age(join(dir, "cur"));
  // cur/ cannot be listed (a file where the folder was, with the folder's time), as on EIO.
  Deno.renameSync(join(dir, "cur"), join(dir, "cur.aside"));
  Deno.writeTextFileSync(join(dir, "cur"), "");
  age(join(dir, "cur"));
  await assert.rejects(mailbox.refresh());
  Deno.removeSync(join(dir, "cur"));
  Deno.renameSync(join(dir, "cur.aside"), join(dir, "cur"));
  age(join(dir, "cur"));
  assert.deepEqual((await mailbox.refresh()).map((m) => m.base), ["1000000001.M1P1Q1.other,S=16"]);
});

Deno.test("a flag change that fails on its second message still announces the first, renamed already, to every session", async () => {
  const { mailbox, dir, second, changes } = await threeMessagesHeard();
  // Its rename fails (a folder that is not empty stands where it would go), as EIO would.
  Deno.mkdirSync(join(dir, "cur", `${second.base}:2,S`, "stuck"), { recursive: true });
  await assert.rejects(mailbox.store([1, 2, 3], { add: ["\\Seen"] }, { origin: "s1" }));
  assert.deepEqual(mailbox.get(1)?.flags, ["\\Seen"]);
  // Session s1 is told NO; it must hear which message did change, as must every other one.
  assert.deepEqual(
    changes.map((c) => c.kind === "flags" ? [c.origin, c.messages.map((m) => m.uid)] : c.kind),
    [[null, [1]]],
  );
});

Deno.test("a message left unlisted when the UID index could not be written is listed at the next refresh, with nothing changed on disk", async () => {
  const { mailboxes, dir } = setup();
  const mailbox = await mailboxes.openMailbox(ACCOUNT);
  assert.equal((await mailbox.refresh()).length, 0);
  const indexPath = join(dir, "pillarbox-uidlist");
  const indexText = Deno.readTextFileSync(indexPath);
  // Another program delivers; the index cannot take its UID (a full disk, here a folder
  // where the file was): the message waits, unlisted, for the next scan.
  Deno.writeTextFileSync(
    join(dir, "new", "1000000002.M2P2Q2.other,S=16"),
    "Subject: y\r\n\r\ny\r\n",
  );
  const pastSeconds = Math.floor(Date.now() / 1000) - 60;
  for (const folder of ["new", "cur"]) Deno.utimeSync(join(dir, folder), pastSeconds, pastSeconds);
  Deno.removeSync(indexPath);
  Deno.mkdirSync(join(indexPath, "stuck"), { recursive: true });
  assert.deepEqual(await mailbox.refresh(), []);
  Deno.removeSync(indexPath, { recursive: true });
  Deno.writeTextFileSync(indexPath, indexText); // the disk has room again
  assert.deepEqual((await mailbox.refresh()).map((m) => m.base), ["1000000002.M2P2Q2.other,S=16"]);
});

Deno.test("a mailbox whose UID index an administrator removed is given up at its next listing, not written on", async () => {
  const { store, mailboxes, dir } = setup();
  await store.deliver([ACCOUNT], [encoder.encode("Subject: 1\r\n\r\n")]);
  const mailbox = await mailboxes.openMailbox(ACCOUNT);
  assert.equal((await mailbox.refresh()).length, 1);
  // README: removing the index has it rebuilt, under a new UIDVALIDITY.
  Deno.removeSync(join(dir, "pillarbox-uidlist"));
  await store.deliver([ACCOUNT], [encoder.encode("Subject: 2\r\n\r\n")]);
  await mailbox.refresh();
  assert.equal(mailbox.isGone, true, "sessions hear it deleted; the registry opens it afresh");
  assert.throws(() => Deno.statSync(join(dir, "pillarbox-uidlist")), Deno.errors.NotFound);
  const fresh = await mailboxes.openMailbox(ACCOUNT);
  assert.notEqual(fresh, mailbox);
  assert.equal((await fresh.refresh()).length, 2);
});
