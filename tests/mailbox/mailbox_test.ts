import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Logger } from "../../src/log/mod.ts";
import {
  folderDir,
  FolderError,
  type MailboxChange,
  Mailboxes,
  MaildirStore,
  MessageGoneError,
  UID_LIST_FILE,
} from "../../src/mailbox/mod.ts";

const ACCOUNT = "bob@example.test";
const encoder = new TextEncoder();
const quietLog = () => new Logger({ sink: () => {} });

/** A spool with a store and a registry, as the server process has them. */
function setup(spoolDir = makeTestDir({ prefix: "pillarbox-mailbox-" })) {
  const store = new MaildirStore({ spoolDir, hostname: "mx.test" });
  const mailboxes = new Mailboxes({ spoolDir, hostname: "mx.test", log: quietLog(), store });
  return { spoolDir, store, mailboxes, dir: mailboxes.accountDir(ACCOUNT) };
}

async function deliver(store: MaildirStore, text: string): Promise<void> {
  await store.deliver([ACCOUNT], [encoder.encode(text)]);
}

Deno.test("UIDs and UIDVALIDITY stay the same when the mailbox is opened again after a restart", async () => {
  const first = setup();
  for (let i = 0; i < 3; i++) await deliver(first.store, `Subject: ${i}\r\n\r\nbody\r\n`);
  const mailbox = await first.mailboxes.openMailbox(ACCOUNT);
  const before = (await mailbox.refresh()).map((m) => [m.uid, m.base]);
  const validity = mailbox.uidValidity;
  mailbox.release();
  const second = setup(first.spoolDir);
  const reopened = await second.mailboxes.openMailbox(ACCOUNT);
  assert.deepEqual((await reopened.refresh()).map((m) => [m.uid, m.base]), before);
  assert.equal(reopened.uidValidity, validity);
  assert.deepEqual(before.map(([uid]) => uid), [1, 2, 3]);
});

Deno.test("new messages get increasing UIDs and UIDVALIDITY does not change", async () => {
  const { store, mailboxes } = setup();
  const mailbox = await mailboxes.openMailbox(ACCOUNT);
  await mailbox.refresh();
  const validity = mailbox.uidValidity;
  await deliver(store, "Subject: a\r\n\r\n");
  await deliver(store, "Subject: b\r\n\r\n");
  const uids = (await mailbox.refresh()).map((m) => m.uid);
  await deliver(store, "Subject: c\r\n\r\n");
  const later = (await mailbox.refresh()).map((m) => m.uid);
  assert.deepEqual(uids, [1, 2]);
  assert.deepEqual(later, [1, 2, 3]);
  assert.equal(mailbox.uidValidity, validity);
  assert.equal(mailbox.uidNext, 4);
});

Deno.test("sizes come from the file names and match the stored bytes", async () => {
  const { store, mailboxes } = setup();
  await deliver(store, "Subject: size\r\n\r\n12345\r\n");
  const mailbox = await mailboxes.openMailbox(ACCOUNT);
  const [message] = await mailbox.refresh();
  const bytes = await mailbox.readMessage(message!.uid);
  assert.equal(message!.sizeBytes, bytes.length);
  assert.equal(new TextDecoder().decode(bytes), "Subject: size\r\n\r\n12345\r\n");
});

for (
  const [name, damage] of [
    [
      "a missing index is rebuilt with a new, larger UIDVALIDITY",
      (path: string) => Deno.removeSync(path),
    ],
    ["a corrupt index is rebuilt with a new, larger UIDVALIDITY", (path: string) => {
      const text = Deno.readTextFileSync(path);
      Deno.writeTextFileSync(path, text.replace(/\n2 /, "\ngarbage "));
    }],
  ] as const
) {
  Deno.test(name, async () => {
    const first = setup();
    for (let i = 0; i < 3; i++) await deliver(first.store, `Subject: ${i}\r\n\r\n`);
    const mailbox = await first.mailboxes.openMailbox(ACCOUNT);
    await mailbox.refresh();
    const validity = mailbox.uidValidity;
    damage(join(first.dir, UID_LIST_FILE));
    const second = setup(first.spoolDir);
    const rebuilt = await second.mailboxes.openMailbox(ACCOUNT);
    const messages = await rebuilt.refresh();
    assert.equal(messages.length, 3);
    assert.ok(rebuilt.uidValidity > validity, `${rebuilt.uidValidity} > ${validity}`);
    assert.deepEqual(messages.map((m) => m.uid), [1, 2, 3]);
    const third = setup(first.spoolDir);
    const again = await third.mailboxes.openMailbox(ACCOUNT);
    await again.refresh();
    assert.equal(again.uidValidity, rebuilt.uidValidity, "the rebuilt index is kept");
  });
}

Deno.test("a torn last index line is dropped and the message keeps a consistent UID", async () => {
  const first = setup();
  await deliver(first.store, "Subject: 1\r\n\r\n");
  const mailbox = await first.mailboxes.openMailbox(ACCOUNT);
  await mailbox.refresh();
  await Deno.writeTextFile(join(first.dir, UID_LIST_FILE), "2 half", { append: true });
  await deliver(first.store, "Subject: 2\r\n\r\n");
  const second = setup(first.spoolDir);
  const reopened = await second.mailboxes.openMailbox(ACCOUNT);
  assert.deepEqual((await reopened.refresh()).map((m) => m.uid), [1, 2]);
  assert.equal(reopened.uidValidity, mailbox.uidValidity);
  const text = await Deno.readTextFile(join(first.dir, UID_LIST_FILE));
  assert.doesNotMatch(text, /half/);
});

Deno.test("flags round-trip through the file names and survive a reopen", async () => {
  const first = setup();
  await deliver(first.store, "Subject: f\r\n\r\n");
  const mailbox = await first.mailboxes.openMailbox(ACCOUNT);
  const [message] = await mailbox.refresh();
  assert.equal(message!.isNew, true);
  assert.deepEqual(message!.flags, []);
  const [stored] = await mailbox.store([message!.uid], { add: ["\\Seen", "\\Flagged"] });
  assert.deepEqual(stored!.flags, ["\\Flagged", "\\Seen"]);
  assert.deepEqual([...Deno.readDirSync(join(first.dir, "new"))], []);
  const [curFile] = [...Deno.readDirSync(join(first.dir, "cur"))].map((e) => e.name);
  assert.equal(curFile, `${message!.base}:2,FS`);
  await mailbox.store([message!.uid], { remove: ["\\Flagged"], add: ["\\Answered"] });
  const second = setup(first.spoolDir);
  const reopened = await second.mailboxes.openMailbox(ACCOUNT);
  const [again] = await reopened.refresh();
  assert.equal(again!.uid, message!.uid);
  assert.deepEqual(again!.flags, ["\\Answered", "\\Seen"]);
  assert.equal(again!.isNew, false);
});

Deno.test("store() with no flag change still moves a message from new/ to cur/", async () => {
  const { store, mailboxes, dir } = setup();
  await deliver(store, "Subject: m\r\n\r\n");
  const mailbox = await mailboxes.openMailbox(ACCOUNT);
  const [message] = await mailbox.refresh();
  await mailbox.store([message!.uid], {});
  assert.deepEqual([...Deno.readDirSync(join(dir, "cur"))].map((e) => e.name), [
    `${message!.base}:2,`,
  ]);
  assert.equal(mailbox.get(message!.uid)!.isNew, false);
});

Deno.test("expunge() unlinks the file and its UID is never given out again", async () => {
  const first = setup();
  await deliver(first.store, "Subject: 1\r\n\r\n");
  await deliver(first.store, "Subject: 2\r\n\r\n");
  const mailbox = await first.mailboxes.openMailbox(ACCOUNT);
  await mailbox.refresh();
  assert.deepEqual(await mailbox.expunge([2]), [2]);
  assert.equal([...Deno.readDirSync(join(first.dir, "new"))].length, 1);
  await assert.rejects(mailbox.readMessage(2), MessageGoneError);
  const second = setup(first.spoolDir);
  await deliver(second.store, "Subject: 3\r\n\r\n");
  const reopened = await second.mailboxes.openMailbox(ACCOUNT);
  assert.deepEqual((await reopened.refresh()).map((m) => m.uid), [1, 3]);
});

Deno.test("compaction drops expunged lines but keeps UIDNEXT", async () => {
  const first = setup();
  for (let i = 0; i < 40; i++) await deliver(first.store, `Subject: ${i}\r\n\r\n`);
  const mailbox = await first.mailboxes.openMailbox(ACCOUNT);
  const all = await mailbox.refresh();
  await mailbox.expunge(all.slice(0, 39).map((m) => m.uid));
  const text = await Deno.readTextFile(join(first.dir, UID_LIST_FILE));
  assert.equal(text.trim().split("\n").length, 2, "header and the one live message");
  const second = setup(first.spoolDir);
  await deliver(second.store, "Subject: new\r\n\r\n");
  const reopened = await second.mailboxes.openMailbox(ACCOUNT);
  assert.deepEqual((await reopened.refresh()).map((m) => m.uid), [40, 41]);
});

Deno.test("listeners hear deliveries, flag changes and expunges made through other handles", async () => {
  const { store, mailboxes } = setup();
  const watcher = await mailboxes.openMailbox(ACCOUNT);
  await watcher.refresh();
  const changes: MailboxChange[] = [];
  let wake: () => void = () => {};
  watcher.onChange((change) => {
    changes.push(change);
    wake();
  });
  const heard = () => new Promise<void>((resolve) => (wake = resolve));
  const added = heard();
  await deliver(store, "Subject: push\r\n\r\n");
  await added;
  assert.equal(changes[0]?.kind, "added");
  const other = await mailboxes.openMailbox(ACCOUNT);
  assert.equal(other, watcher, "one shared instance per mailbox");
  await other.store([1], { add: ["\\Seen"] }, { origin: "session-2" });
  await other.expunge([1], { origin: "session-2" });
  assert.deepEqual(changes.map((c) => c.kind), ["added", "flags", "expunged"]);
  assert.deepEqual(changes[2], { kind: "expunged", uids: [1], origin: "session-2" });
});

Deno.test("tryLease() gives the mailbox to one holder at a time", async () => {
  const { mailboxes } = setup();
  const mailbox = await mailboxes.openMailbox(ACCOUNT);
  const release = mailbox.tryLease();
  assert.ok(release);
  assert.equal(mailbox.tryLease(), null);
  release();
  assert.ok(mailbox.tryLease());
});

Deno.test("append() stores the bytes in cur/ with flags and gives the next UID at once", async () => {
  const { store, mailboxes } = setup();
  await deliver(store, "Subject: 1\r\n\r\n");
  const sent = await mailboxes.openMailbox(ACCOUNT, "Sent", { create: true });
  const info = await sent.append([encoder.encode("Subject: mine\r\n\r\nhi\r\n")], {
    flags: ["\\Seen"],
    internalDateMs: Date.UTC(2024, 0, 2),
  });
  assert.equal(info.uid, 1);
  assert.deepEqual(info.flags, ["\\Seen"]);
  assert.equal(info.internalDateMs, Date.UTC(2024, 0, 2));
  assert.equal(new TextDecoder().decode(await sent.readMessage(1)), "Subject: mine\r\n\r\nhi\r\n");
  assert.equal((await sent.refresh()).length, 1);
  const inbox = await mailboxes.openMailbox(ACCOUNT);
  assert.equal((await inbox.refresh()).length, 1, "the folder is separate from INBOX");
});

Deno.test("append() gives a date before 1970 an internal date that stays the same after a reopen", async () => {
  const { spoolDir, mailboxes } = setup();
  const sent = await mailboxes.openMailbox(ACCOUNT, "Sent", { create: true });
  const dates = [Date.UTC(1969, 0, 1, 10), Date.UTC(1900, 0, 1), 0, Date.UTC(2024, 0, 2)];
  const told: number[] = [];
  for (const internalDateMs of dates) {
    told.push(
      (await sent.append([encoder.encode("Subject: old\r\n\r\n")], { internalDateMs }))
        .internalDateMs,
    );
  }
  // A Maildir name starts with the date in seconds since 1970: earlier dates are kept as 1970.
  assert.deepEqual(told, [0, 0, 0, Date.UTC(2024, 0, 2)]);
  const reopened = await setup(spoolDir).mailboxes.openMailbox(ACCOUNT, "Sent");
  assert.deepEqual((await reopened.refresh()).map((message) => message.internalDateMs), told);
});

Deno.test("folders are Maildir++ subfolders and unsafe names are refused", async () => {
  const root = "/m/example.test/bob";
  assert.equal(folderDir(root, "INBOX"), root);
  assert.equal(folderDir(root, "inbox"), root);
  assert.equal(folderDir(root, "Archive.2024"), "/m/example.test/bob/.Archive.2024");
  for (const bad of ["../x", "a/b", ".hidden", "a..b", "trail.", "x\u0000"]) {
    assert.throws(() => folderDir(root, bad), FolderError, bad);
  }
  const { mailboxes } = setup();
  await assert.rejects(mailboxes.openMailbox(ACCOUNT, "Nope"), FolderError);
});

Deno.test("a 10,000-message mailbox lists with sizes and UIDs and keeps them on reopen", async () => {
  const first = setup();
  await first.store.ensureMailbox(ACCOUNT);
  const names: string[] = [];
  for (let i = 0; i < 10_000; i++) {
    const name = `${1_700_000_000 + i}.M${i}P1Q${i}.mx.test,S=${100 + i}`;
    names.push(name);
    Deno.writeFileSync(join(first.dir, "new", name), new Uint8Array());
  }
  const mailbox = await first.mailboxes.openMailbox(ACCOUNT);
  const listed = await mailbox.refresh();
  assert.equal(listed.length, 10_000);
  assert.equal(listed[9_999]!.uid, 10_000);
  assert.equal(listed[9_999]!.sizeBytes, 10_099);
  assert.equal(listed[0]!.base, names[0]);
  const second = setup(first.spoolDir);
  const reopened = await second.mailboxes.openMailbox(ACCOUNT);
  const again = await reopened.refresh();
  assert.deepEqual(again.map((m) => m.uid), listed.map((m) => m.uid));
  assert.deepEqual(again.map((m) => m.base), listed.map((m) => m.base));
});

Deno.test("a flag change by another MUA within the same directory mtime tick as the last scan is still seen", async () => {
  const { store, mailboxes, dir } = setup();
  await deliver(store, "Subject: a\r\n\r\nbody\r\n");
  const mailbox = await mailboxes.openMailbox(ACCOUNT);
  try {
    const [message] = await mailbox.refresh();
    const base = message!.base;
    // Directory mtimes tick coarsely (a few ms on Linux): a scan and a later
    // rename can see the same value. Pin cur/'s mtime so both do here.
    const tick = new Date(Date.now() + 3_600_000);
    await Deno.rename(join(dir, "new", base), join(dir, "cur", `${base}:2,`));
    await Deno.utime(join(dir, "cur"), tick, tick);
    assert.deepEqual((await mailbox.refresh()).map((m) => m.flags), [[]]);
    await Deno.rename(join(dir, "cur", `${base}:2,`), join(dir, "cur", `${base}:2,S`));
    await Deno.utime(join(dir, "cur"), tick, tick);
    const after = await mailbox.refresh();
    assert.deepEqual(after.map((m) => [m.uid, m.flags]), [[message!.uid, ["\\Seen"]]]);
  } finally {
    mailbox.release();
  }
});

Deno.test("UIDs given while the index could not be written are never shown, and survive a restart once it can", async () => {
  const first = setup();
  await deliver(first.store, "Subject: kept\r\n\r\n");
  const mailbox = await first.mailboxes.openMailbox(ACCOUNT);
  await mailbox.refresh(); // the index file now exists: later UIDs are appended to it
  const path = join(first.dir, UID_LIST_FILE);
  await deliver(first.store, "Subject: x\r\n\r\n");
  await deliver(first.store, "Subject: y\r\n\r\n");
  // The append fails (as on a full disk): a directory stands where the file was.
  Deno.renameSync(path, path + ".saved");
  Deno.mkdirSync(path);
  // The message already indexed stays listed; the two new ones wait, unlisted.
  assert.equal((await mailbox.refresh()).length, 1);
  Deno.removeSync(path);
  Deno.renameSync(path + ".saved", path);
  const shown = (await mailbox.refresh()).map((m) => [m.uid, m.base]);
  await deliver(first.store, "Subject: z\r\n\r\n");
  const later = (await mailbox.refresh()).map((m) => [m.uid, m.base]);
  mailbox.release();
  const second = setup(first.spoolDir);
  const reopened = await second.mailboxes.openMailbox(ACCOUNT);
  assert.equal(shown.length, 3);
  assert.deepEqual((await reopened.refresh()).map((m) => [m.uid, m.base]), later);
  assert.equal(reopened.uidNext, mailbox.uidNext);
});

Deno.test("deliveries that arrive while the mailbox is busy queue one listing, not one each, so a session's NOOP is not held up behind them", async () => {
  const { store, mailboxes, dir } = setup();
  await deliver(store, "Subject: first\r\n\r\n");
  const mailbox = await mailboxes.openMailbox(ACCOUNT);
  await mailbox.refresh();
  const stopListening = mailbox.onChange(() => {}); // a session has it selected
  let release = () => {};
  const busy = mailbox.whileLocked(() => new Promise<void>((resolve) => release = resolve));
  const deliveries = 50;
  for (let i = 0; i < deliveries; i++) await deliver(store, `Subject: ${i}\r\n\r\n`);
  // The listings see a recent change each time (so each would really list).
  const soon = new Date(Date.now() + 3_600_000);
  await Deno.utime(join(dir, "new"), soon, soon);
  const readDir = Deno.readDir;
  let listings = 0;
  Deno.readDir = (path) => {
    if (String(path) === join(dir, "new")) listings++;
    return readDir(path);
  };
  try {
    release();
    await busy;
    const listed = await mailbox.refresh(); // NOOP
    assert.equal(listed.length, deliveries + 1);
    assert.ok(listings <= 2, `${listings} listings for ${deliveries} deliveries`);
  } finally {
    Deno.readDir = readDir;
    stopListening();
    mailbox.release();
  }
});
