/**
 * Maildirs shared with other programs (maildir(5), Maildir++): what they put
 * in new/ and cur/ — odd entries, odd names — must not break the listing,
 * the UID index or the sessions reading it.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { Logger } from "../../src/log/mod.ts";
import { folderExists, listFolders, Mailboxes, MaildirStore } from "../../src/mailbox/mod.ts";

const ACCOUNT = "bob@example.test";
const encoder = new TextEncoder();

/** A spool with a store and a registry; `warnings` collects what the mailbox logged at warn. */
function setup(spoolDir = makeTestDir({ prefix: "pillarbox-interop-" })) {
  const warnings: string[] = [];
  const log = new Logger({ sink: (line) => line.includes("level=warn") && warnings.push(line) });
  const store = new MaildirStore({ spoolDir, hostname: "mx.test" });
  const mailboxes = new Mailboxes({ spoolDir, hostname: "mx.test", log, store });
  return { spoolDir, store, mailboxes, dir: mailboxes.accountDir(ACCOUNT), warnings };
}

Deno.test("a directory or a FIFO inside new/ or cur/ is not listed as a message, so every message stays readable", async () => {
  const { store, mailboxes, dir } = setup();
  await store.deliver([ACCOUNT], [encoder.encode("Subject: real\r\n\r\nbody\r\n")]);
  Deno.mkdirSync(`${dir}/cur/1700000000.M1P1.other:2,S`);
  Deno.mkdirSync(`${dir}/new/1700000001.M1P1.other`);
  const fifo = await new Deno.Command("mkfifo", { args: [`${dir}/new/1700000002.M1P1.other`] })
    .output();
  assert.ok(fifo.success, "mkfifo");
  // A symlink to a message file is a message (some tools link rather than copy).
  Deno.writeTextFileSync(`${dir}/linked`, "Subject: linked\n\nbody\n");
  Deno.symlinkSync(`${dir}/linked`, `${dir}/cur/1700000003.M1P1.other:2,S`);
  const mailbox = await mailboxes.openMailbox(ACCOUNT);
  const messages = await mailbox.refresh();
  assert.deepEqual(messages.map((m) => m.base.replace(/^\d+\.M\d+P\d+Q\d+R\w+\./, "")), [
    "1700000003.M1P1.other",
    "mx.test,S=23",
  ]);
  // The linked file has bare LFs: it is served with CRLF, at the size counted when first read.
  for (const message of messages) {
    const bytes = await mailbox.readMessage(message.uid);
    assert.equal(bytes.length, mailbox.get(message.uid)!.sizeBytes);
  }
  assert.deepEqual(mailbox.messages().map((message) => message.sizeBytes), [25, 23]);
});

Deno.test("message names with a space, tab or no-break space are listed and keep their UIDs and UIDVALIDITY after a restart", async () => {
  const first = setup();
  await first.store.deliver([ACCOUNT], [encoder.encode("Subject: real\r\n\r\nbody\r\n")]);
  const names = [
    "1700000000.M1 P1.other",
    "1700000001.M1\tP1.other",
    "1700000002.M1\u00a0P1.other",
  ];
  for (const name of names) Deno.writeTextFileSync(`${first.dir}/new/${name}`, "Subject: x\n\n");
  const mailbox = await first.mailboxes.openMailbox(ACCOUNT);
  const listed = (await mailbox.refresh()).map((m) => [m.uid, m.base]);
  assert.deepEqual(listed.slice(0, 3), names.map((name, i) => [i + 1, name]));
  const second = setup(first.spoolDir);
  const reopened = await second.mailboxes.openMailbox(ACCOUNT);
  assert.deepEqual((await reopened.refresh()).map((m) => [m.uid, m.base]), listed);
  assert.equal(reopened.uidValidity, mailbox.uidValidity);
  assert.deepEqual(second.warnings, []);
});

Deno.test("a folder whose tmp/ and new/ are missing (a backup that skips empty directories) opens, as LIST shows it", async () => {
  const { mailboxes, dir } = setup();
  Deno.mkdirSync(`${dir}/.Restored/cur`, { recursive: true });
  Deno.writeTextFileSync(`${dir}/.Restored/cur/1700000000.M1P1.other:2,S`, "Subject: x\n\nbody\n");
  assert.deepEqual(await listFolders(dir), ["Restored"]);
  assert.equal(await folderExists(dir, "Restored"), true);
  const mailbox = await mailboxes.openMailbox(ACCOUNT, "Restored");
  assert.deepEqual((await mailbox.refresh()).map((m) => [m.uid, m.flags]), [[1, ["\\Seen"]]]);
  await mailbox.append([encoder.encode("Subject: y\r\n\r\n")]);
  assert.equal(mailbox.messageCount, 2);
});

/** A mailbox with `count` delivered messages (UIDs 1..count), listed. */
async function newMessages(count = 1) {
  const parts = setup();
  for (let i = 0; i < count; i++) {
    await parts.store.deliver([ACCOUNT], [encoder.encode(`Subject: ${i}\r\n\r\nbody\r\n`)]);
  }
  const mailbox = await parts.mailboxes.openMailbox(ACCOUNT);
  const messages = await mailbox.refresh();
  return { ...parts, mailbox, messages };
}

/** What mutt does when it reads a message: rename new/<base> to cur/<base>:2,S. */
function readByMutt(dir: string, base: string): void {
  Deno.renameSync(`${dir}/new/${base}`, `${dir}/cur/${base}:2,S`);
}

Deno.test("store() on messages another MUA just moved to cur/ and marked seen applies the change to them, keeping its flag", async () => {
  const { mailbox, dir, messages } = await newMessages(2);
  for (const message of messages) readByMutt(dir, message.base); // no refresh in between
  const updated = await mailbox.store([1, 2], { add: ["\\Flagged"] });
  assert.deepEqual(updated.map((m) => [m.uid, m.flags]), [
    [1, ["\\Flagged", "\\Seen"]],
    [2, ["\\Flagged", "\\Seen"]],
  ]);
  const names = [...Deno.readDirSync(`${dir}/cur`)].map((e) => e.name).sort();
  assert.deepEqual(names, messages.map((m) => `${m.base}:2,FS`));
});

Deno.test("expunge() of messages another MUA just renamed removes their files, so they do not come back", async () => {
  const { mailbox, dir, messages, spoolDir } = await newMessages(2);
  for (const message of messages) readByMutt(dir, message.base);
  assert.deepEqual(await mailbox.expunge([1, 2]), [1, 2]);
  assert.deepEqual([...Deno.readDirSync(`${dir}/cur`)].map((e) => e.name), []);
  assert.deepEqual(await mailbox.refresh(), []);
  mailbox.release();
  const again = await setup(spoolDir).mailboxes.openMailbox(ACCOUNT);
  assert.deepEqual(await again.refresh(), []);
});

Deno.test("moveTo() of messages another MUA just renamed moves them, with that MUA's flag", async () => {
  const { mailbox, mailboxes, dir, messages } = await newMessages(2);
  const archive = await mailboxes.openMailbox(ACCOUNT, "Archive", { create: true });
  await archive.refresh();
  for (const message of messages) readByMutt(dir, message.base);
  const result = await mailbox.moveTo(archive, [1, 2]);
  assert.deepEqual(result, { sourceUids: [1, 2], destinationUids: [1, 2], droppedKeywords: [] });
  assert.deepEqual(archive.messages().map((m) => m.flags), [["\\Seen"], ["\\Seen"]]);
  assert.deepEqual([...Deno.readDirSync(`${dir}/cur`)], []);
  assert.deepEqual(await mailbox.refresh(), []);
});

Deno.test("a message file whose name is not UTF-8 (which cannot be opened by name here) is left out with a warning, not listed as a message no read can reach", async () => {
  const { store, mailboxes, dir, warnings } = setup();
  await store.deliver([ACCOUNT], [encoder.encode("Subject: real\r\n\r\nbody\r\n")]);
  const made = await new Deno.Command("python3", {
    args: [
      "-c",
      "import sys; open(sys.argv[1].encode() + b'/1700000000.M1P1.h\\xe9te', 'w').write('x')",
      `${dir}/new`,
    ],
  }).output();
  assert.ok(made.success, "python wrote the file");
  const mailbox = await mailboxes.openMailbox(ACCOUNT);
  const messages = await mailbox.refresh();
  assert.deepEqual(messages.map((m) => m.base.endsWith(".mx.test,S=23")), [true]);
  for (const message of messages) await mailbox.readMessage(message.uid);
  assert.equal(warnings.length, 1, warnings.join("\n"));
  assert.match(warnings[0]!, /event=mailbox\.unreadable_name /);
});

Deno.test("messages another MUA renames while the folder is being listed are never reported expunged", async () => {
  // readdir may skip an entry renamed while it lists the directory (past one
  // getdents batch: a few hundred names), so the listing alone cannot tell
  // a flag change by another MUA from an expunge.
  const count = 1_500;
  const { store, mailboxes, dir } = setup();
  await store.ensureMailbox(ACCOUNT);
  for (let i = 0; i < count; i++) {
    const name = `${1_700_000_000 + i}.M${i}P1Q${i}.other.example,S=20:2,S`;
    Deno.writeFileSync(`${dir}/cur/${name}`, encoder.encode("Subject: x\r\n\r\nbody\r\n"));
  }
  const mailbox = await mailboxes.openMailbox(ACCOUNT);
  assert.equal((await mailbox.refresh()).length, count);
  const expunged: number[] = [];
  mailbox.onChange((change) => change.kind === "expunged" && expunged.push(...change.uids));
  // The other MUA flags and unflags every message, ten times over.
  const renamer = new Deno.Command("python3", {
    args: ["-c", RENAMER, `${dir}/cur`, "10"],
  }).spawn();
  let isDone = false;
  const status = renamer.status.then((status) => (isDone = true, status));
  let refreshes = 0;
  while (!isDone) {
    await mailbox.refresh();
    refreshes++;
  }
  assert.ok((await status).success, "the renamer ran");
  assert.equal((await mailbox.refresh()).length, count);
  assert.ok(refreshes > 1, "the folder was listed while it changed");
  assert.deepEqual(expunged, []);
});

/** Python: toggles \Flagged (F) on every message of a cur/ folder, `rounds` times. */
const RENAMER = `
import os, sys
cur, rounds = sys.argv[1], int(sys.argv[2])
for r in range(rounds):
    for name in sorted(os.listdir(cur)):
        base, _, letters = name.partition(":2,")
        letters = letters.replace("F", "") if "F" in letters else "F" + letters
        os.rename(os.path.join(cur, name), os.path.join(cur, base + ":2," + letters))
`;

Deno.test("a message another program takes out of the folder and puts back comes back as new, with a UID above every earlier one", async () => {
  const { mailbox, dir, messages, spoolDir } = await newMessages(2);
  const [first] = messages;
  const added: number[][] = [];
  mailbox.onChange((change) =>
    change.kind === "added" && added.push(change.messages.map((m) => m.uid))
  );
  const aside = makeTestDir({ prefix: "pillarbox-aside-" });
  Deno.renameSync(`${dir}/new/${first!.base}`, `${aside}/${first!.base}`);
  assert.deepEqual((await mailbox.refresh()).map((m) => m.uid), [2]);
  // Put back (a backup restored, mutt moving it back from another folder).
  Deno.renameSync(`${aside}/${first!.base}`, `${dir}/cur/${first!.base}:2,S`);
  const listed = await mailbox.refresh();
  // Clients that were told UID 1 is expunged, and that fetch above the last UID they
  // saw, must hear of it as a new message: it cannot be UID 1 again.
  assert.deepEqual(listed.map((m) => [m.uid, m.base, m.flags]), [
    [2, messages[1]!.base, []],
    [3, first!.base, ["\\Seen"]],
  ]);
  assert.deepEqual(added, [[3]]);
  assert.equal(mailbox.uidNext, 4);
  const reopened = await setup(spoolDir).mailboxes.openMailbox(ACCOUNT);
  assert.deepEqual((await reopened.refresh()).map((m) => m.uid), [2, 3]);
});

Deno.test("a message another MUA renamed since the last listing is still read (found again under its new name)", async () => {
  const { store, mailboxes, dir } = setup();
  const body = "Subject: renamed\r\n\r\nbody\r\n";
  await store.deliver([ACCOUNT], [encoder.encode(body)]);
  const mailbox = await mailboxes.openMailbox(ACCOUNT);
  const [message] = await mailbox.refresh();
  // Another MUA reads it and marks it seen: new/<base> becomes cur/<base>:2,S.
  Deno.renameSync(`${dir}/new/${message!.base}`, `${dir}/cur/${message!.base}:2,S`);
  assert.equal(new TextDecoder().decode(await mailbox.readMessage(message!.uid)), body);
  assert.match(
    new TextDecoder().decode(await mailbox.readHeader(message!.uid)),
    /^Subject: renamed/,
  );
});

Deno.test("a message in both new/ and cur/ (a copy another program left) is listed once, from cur/ with its flags", async () => {
  const { store, mailboxes, dir } = setup();
  await store.deliver([ACCOUNT], [encoder.encode("Subject: twice\r\n\r\nbody\r\n")]);
  const [base] = [...Deno.readDirSync(`${dir}/new`)].map((entry) => entry.name);
  Deno.copyFileSync(`${dir}/new/${base}`, `${dir}/cur/${base}:2,S`);
  const mailbox = await mailboxes.openMailbox(ACCOUNT);
  const messages = await mailbox.refresh();
  assert.equal(messages.length, 1);
  assert.deepEqual(messages[0]!.flags, ["\\Seen"]);
});

Deno.test("flags and keywords another program put on a message still in new/ (Dovecot does) are shown and kept when it moves to cur/", async () => {
  const { mailboxes, dir } = setup();
  Deno.mkdirSync(`${dir}/new`, { recursive: true });
  Deno.mkdirSync(`${dir}/cur`, { recursive: true });
  Deno.writeTextFileSync(`${dir}/dovecot-keywords`, "0 $Forwarded\n");
  // As `doveadm flags add '\Seen $Forwarded'` leaves a message no IMAP session has seen yet.
  Deno.writeTextFileSync(`${dir}/new/1700000000.M1P1.vm,S=14,W=17:2,Sa`, "Subject: a\n\nx\n");
  const mailbox = await mailboxes.openMailbox(ACCOUNT);
  try {
    const [message] = await mailbox.refresh();
    assert.deepEqual([message!.flags, message!.keywords], [["\\Seen"], ["$Forwarded"]]);
    const [stored] = await mailbox.store([message!.uid], { add: ["\\Flagged"] });
    assert.deepEqual([stored!.flags, stored!.keywords], [["\\Flagged", "\\Seen"], ["$Forwarded"]]);
    assert.deepEqual([...Deno.readDirSync(`${dir}/cur`)].map((entry) => entry.name), [
      "1700000000.M1P1.vm,S=14,W=17:2,FSa",
    ]);
  } finally {
    mailbox.release();
  }
});

Deno.test("another program's message is dated by its file's mtime, as Dovecot dates it, and one of ours by its name", async () => {
  const { store, mailboxes, dir } = setup();
  await store.deliver([ACCOUNT], [encoder.encode("Subject: ours\r\n\r\nbody\r\n")]);
  const [ours] = [...Deno.readDirSync(`${dir}/new`)].map((entry) => entry.name);
  // Dovecot names a message by when it wrote the file (an mbox import, a COPY, an APPEND with
  // a date) and keeps its received date in the mtime.
  const dovecot = `${dir}/cur/1795812394.M709464P4603.vm,S=29,W=32:2,S`;
  Deno.writeTextFileSync(dovecot, "Subject: from mbox\n\nold mail\n");
  const received = new Date("2020-01-01T10:00:00Z");
  Deno.utimeSync(dovecot, received, received);
  Deno.utimeSync(`${dir}/new/${ours}`, received, received);
  const mailbox = await mailboxes.openMailbox(ACCOUNT);
  try {
    const messages = await mailbox.refresh();
    const byName = new Map(messages.map((message) => [message.base, message.internalDateMs]));
    assert.equal(byName.get("1795812394.M709464P4603.vm,S=29,W=32"), received.getTime());
    assert.equal(byName.get(ours!), Number(ours!.split(".")[0]) * 1000);
  } finally {
    mailbox.release();
  }
});

Deno.test("a message APPENDed with a date, and its COPY, carry that date in their files' mtime too, where Dovecot reads it", async () => {
  const { mailboxes, dir } = setup();
  const inbox = await mailboxes.openMailbox(ACCOUNT, "INBOX", { create: true });
  const archive = await mailboxes.openMailbox(ACCOUNT, "Archive", { create: true });
  try {
    const date = Date.parse("2020-01-01T10:00:00Z");
    const appended = await inbox.append([encoder.encode("Subject: old\r\n\r\nold\r\n")], {
      internalDateMs: date,
    });
    await inbox.copyTo(archive, [appended.uid]);
    assert.equal((await archive.refresh()).length, 1);
    for (
      const path of [`${dir}/cur`, `${dir}/.Archive/cur`].map((cur) =>
        `${cur}/${[...Deno.readDirSync(cur)][0]!.name}`
      )
    ) {
      assert.equal(Deno.statSync(path).mtime?.getTime(), date, path);
    }
  } finally {
    inbox.release();
    archive.release();
  }
});

Deno.test("COPY keeps an info letter IMAP has no flag for (P, passed, as mutt sets it), as MOVE does", async () => {
  const { mailboxes, dir } = setup();
  const inbox = await mailboxes.openMailbox(ACCOUNT, "INBOX", { create: true });
  const other = await mailboxes.openMailbox(ACCOUNT, "Other", { create: true });
  try {
    Deno.writeTextFileSync(`${dir}/cur/1700000000.M1P1.host,S=10:2,FP`, "Subject: \n");
    Deno.writeTextFileSync(`${dir}/cur/1700000001.M1P1.host,S=10:2,PS`, "Subject: \n");
    const [copied, moved] = await inbox.refresh();
    await inbox.copyTo(other, [copied!.uid]);
    await inbox.moveTo(other, [moved!.uid]);
    const letters = [...Deno.readDirSync(`${dir}/.Other/cur`)].map((e) => e.name.split(":2,")[1]);
    assert.deepEqual(letters.sort(), ["FP", "PS"]);
  } finally {
    inbox.release();
    other.release();
  }
});

Deno.test("the first listing of 2,500 names of another program lets the event loop turn between its stats", async () => {
  const { mailboxes, dir } = setup();
  Deno.mkdirSync(`${dir}/cur`, { recursive: true });
  for (let i = 0; i < 2500; i++) {
    // Dovecot's kind of name: no date of ours in it, so each file is stat'ed for its mtime.
    Deno.writeFileSync(
      `${dir}/cur/${1700000000 + i}.M${i}P7.dovecot,S=8:2,S`,
      encoder.encode("x: y\r\n\r\n"),
    );
  }
  let ticks = 0;
  let isTicking = true;
  const tick = () => {
    ticks++;
    if (isTicking) setTimeout(tick, 0);
  };
  setTimeout(tick, 0);
  const seen = new Set<number>();
  const statSync = Deno.statSync;
  (Deno as { statSync: typeof Deno.statSync }).statSync = (path) => {
    if (String(path).includes("dovecot,S=")) seen.add(ticks);
    return statSync(path);
  };
  try {
    const mailbox = await mailboxes.openMailbox(ACCOUNT);
    assert.equal((await mailbox.refresh()).length, 2500);
  } finally {
    (Deno as { statSync: typeof Deno.statSync }).statSync = statSync;
    isTicking = false;
  }
  // Made in one synchronous run, all 2,500 stats would see the same count of timer ticks.
  assert.ok(seen.size >= 3, `stats saw ${seen.size} distinct tick counts`);
});

Deno.test("files Dovecot delivered in one second get UIDs in delivery order, though its microseconds are not zero-padded", async () => {
  const { mailboxes, dir } = setup();
  Deno.mkdirSync(`${dir}/cur`, { recursive: true });
  // Delivered in this order: 999 us, then 100000 us, then the next second. By name, the
  // second sorts first ("M1" < "M9").
  const names = ["1764283000.M999P7.mx", "1764283000.M100000P7.mx", "1764283001.M5P7.mx"];
  for (const [i, name] of names.entries()) {
    Deno.writeTextFileSync(`${dir}/cur/${name}:2,S`, `Subject: ${i}\n\n`);
  }
  const mailbox = await mailboxes.openMailbox(ACCOUNT);
  assert.deepEqual((await mailbox.refresh()).map((m) => [m.uid, m.base]), [
    [1, names[0]],
    [2, names[1]],
    [3, names[2]],
  ]);
});
