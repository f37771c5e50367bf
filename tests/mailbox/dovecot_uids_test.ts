/**
 * A Maildir copied in from Dovecot keeps the UIDVALIDITY and UIDs of its
 * `dovecot-uidlist` (hand-written here as Dovecot 2.3 writes them; the e2e
 * tests use a real Dovecot), and anything doubtful numbers it as any new
 * folder, with a warning naming the file and line. RFC 9051 2.3.1.1: a UID
 * never names another message within one UIDVALIDITY.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Logger } from "../../src/log/mod.ts";
import {
  ADOPTED_DOVECOT_UIDLIST_FILE,
  DOVECOT_UIDLIST_FILE,
  Mailboxes,
  MaildirStore,
  UID_LIST_FILE,
  UID_VALIDITY_FLOOR_FILE,
} from "../../src/mailbox/mod.ts";
import { exists } from "../path_exists.ts";

const ACCOUNT = "bob@example.test";
const V = 1795821135;
const ONE = "1795821135.M6951P4593.vm,S=18,W=21";
const TWO = "1795821135.M105332P4597.vm,S=18,W=21";
const THREE = "1795821137.M906970P4709.vm,S=18,W=21";
/** Delivered while the Maildir was on its way: Dovecot never numbered it. */
const LATE = "1795821140.M1P9.vm,S=18,W=21";

/** A registry over `spoolDir` (a restart when given the same one) and what it logged. */
function setup(spoolDir = makeTestDir({ prefix: "pillarbox-dovecot-uids-" })) {
  const lines: string[] = [];
  const log = new Logger({ sink: (line) => lines.push(line) });
  const store = new MaildirStore({ spoolDir, hostname: "mx.test" });
  const mailboxes = new Mailboxes({ spoolDir, hostname: "mx.test", log, store });
  return { spoolDir, lines, store, mailboxes, root: mailboxes.accountDir(ACCOUNT) };
}

/** A Maildir as Dovecot left it: `files` by name (in new/ unless they carry `:2,`), its uidlist. */
function dovecotMaildir(dir: string, files: string[], uidlist: string | null): void {
  for (const sub of ["tmp", "new", "cur"]) Deno.mkdirSync(join(dir, sub), { recursive: true });
  for (const name of files) {
    Deno.writeTextFileSync(join(dir, name.includes(":2,") ? "cur" : "new", name), "Subject: x\n\n");
  }
  if (uidlist !== null) Deno.writeTextFileSync(join(dir, DOVECOT_UIDLIST_FILE), uidlist);
}

async function listing(mailboxes: Mailboxes, folder?: string) {
  const mailbox = await mailboxes.openMailbox(ACCOUNT, folder);
  try {
    const messages = (await mailbox.refresh()).map((m) => [m.uid, m.base]);
    return { uidValidity: mailbox.uidValidity, uidNext: mailbox.uidNext, messages };
  } finally {
    mailbox.release();
  }
}

for (const folder of [undefined, "Work.Projects"]) {
  const where = folder === undefined ? "INBOX" : "a subfolder";
  Deno.test(`${where} copied in from Dovecot keeps its UIDVALIDITY and UIDs, also after a restart; a file Dovecot did not know gets the next UID`, async () => {
    const first = setup();
    const dir = folder === undefined ? first.root : join(first.root, `.${folder}`);
    Deno.mkdirSync(first.root, { recursive: true });
    // UID 2 was expunged in Dovecot (its line stays until Dovecot rewrites the list);
    // 4 and 5 were appended after the header said N4. THREE was read (:2,S) since.
    const list =
      `3 V${V} N4 Ge5f76e004f0e0a6bf111000083ecc375\n1 :${ONE}\n2 :${TWO}\n4 :${THREE}\n5 :gone\n`;
    dovecotMaildir(dir, [ONE, `${THREE}:2,S`, LATE], list);
    const dovecotIndex = ["dovecot.index", "dovecot.index.log", "dovecot.index.cache"];
    for (const name of [...dovecotIndex, "dovecot.list.index.log"]) {
      Deno.writeTextFileSync(join(dir, name), "Dovecot's\n");
    }
    const seen = await listing(first.mailboxes, folder);
    assert.deepEqual(seen, {
      uidValidity: V,
      uidNext: 7,
      messages: [[1, ONE], [4, THREE], [6, LATE]],
    });
    assert.ok(exists(join(dir, UID_LIST_FILE)));
    assert.ok(!exists(join(dir, DOVECOT_UIDLIST_FILE)), "Dovecot's list set aside");
    assert.equal(Deno.readTextFileSync(join(dir, ADOPTED_DOVECOT_UIDLIST_FILE)), list);
    // Given back its index, Dovecot would go on with our UIDVALIDITY from its old next UID.
    for (const name of dovecotIndex) assert.ok(!exists(join(dir, name)), `${name} removed`);
    assert.ok(
      exists(join(dir, "dovecot.list.index.log")),
      "the folder list's index is not ours to touch",
    );
    const taken = first.lines.filter((line) => line.includes("mailbox.dovecot_uids_taken"));
    assert.equal(taken.length, 1, first.lines.join("\n"));
    assert.match(taken[0] as string, /uidvalidity=1795821135 uidnext=6 uids=4/);
    const again = setup(first.spoolDir);
    assert.deepEqual(await listing(again.mailboxes, folder), seen);
    assert.equal(first.lines.filter((line) => line.includes("level=warn")).length, 0);
  });
}

Deno.test("a folder emptied in Dovecot (its list a header alone) keeps its UIDVALIDITY, and a new message gets Dovecot's N", async () => {
  const { mailboxes, root, store } = setup();
  dovecotMaildir(root, [], `3 V${V} N42 Ge5f76e004f0e0a6bf111000083ecc375\n`);
  assert.deepEqual(await listing(mailboxes), { uidValidity: V, uidNext: 42, messages: [] });
  await store.deliver([ACCOUNT], [new TextEncoder().encode("Subject: new\r\n\r\n")]);
  const after = await listing(mailboxes);
  assert.deepEqual(after.messages.map(([uid]) => uid), [42]);
  assert.equal(after.uidValidity, V);
});

const DOUBTFUL: { name: string; list: string; line: number }[] = [
  { name: "a UID repeated", list: `3 V${V} N9\n1 :${ONE}\n1 :${TWO}\n`, line: 3 },
  { name: "UIDs going down", list: `3 V${V} N9\n2 :${ONE}\n1 :${TWO}\n`, line: 3 },
  { name: "a base listed twice", list: `3 V${V} N9\n1 :${ONE}\n2 :${ONE}:2,S\n`, line: 3 },
  { name: "version 1", list: `1 ${V} 9\n1 ${ONE}\n`, line: 1 },
  { name: "a UIDVALIDITY of 0", list: `3 V0 N9\n1 :${ONE}\n`, line: 1 },
  { name: "a malformed record", list: `3 V${V} N9\n1 :${ONE}\nx :${TWO}\n`, line: 3 },
  { name: "a last line cut short", list: `3 V${V} N9\n1 :${ONE}\n2 :${TWO}`, line: 3 },
];

for (const { name, list, line } of DOUBTFUL) {
  Deno.test(`a dovecot-uidlist with ${name} is ignored with a warning naming it and line ${line}, and the folder numbered as a new one`, async () => {
    const { mailboxes, root, lines } = setup();
    dovecotMaildir(root, [ONE, TWO], list);
    const seen = await listing(mailboxes);
    assert.notEqual(seen.uidValidity, V);
    assert.notEqual(seen.uidValidity, 0);
    assert.deepEqual(seen.messages, [[1, ONE], [2, TWO]]);
    const warnings = lines.filter((l) => l.includes("event=mailbox.dovecot_uidlist_ignored"));
    assert.equal(warnings.length, 1, lines.join("\n"));
    assert.ok(warnings[0]!.includes(join(root, DOVECOT_UIDLIST_FILE)), warnings[0]);
    assert.ok(warnings[0]!.includes(`line=${line} `), warnings[0]);
    assert.ok(exists(join(root, DOVECOT_UIDLIST_FILE)), "a list not taken stays as it is");
  });
}

Deno.test("an unreadable dovecot-uidlist is ignored with a warning", async () => {
  const { mailboxes, root, lines } = setup();
  dovecotMaildir(root, [ONE], null);
  Deno.mkdirSync(join(root, DOVECOT_UIDLIST_FILE));
  const seen = await listing(mailboxes);
  assert.notEqual(seen.uidValidity, V);
  assert.deepEqual(seen.messages, [[1, ONE]]);
  assert.equal(lines.filter((l) => l.includes("mailbox.dovecot_uidlist_ignored")).length, 1);
});

Deno.test("a folder with an index of its own keeps it, even a damaged one: Dovecot's list does not know the UIDs given since", async () => {
  for (const ours of ["pillarbox-uidlist 1 1800000000 3\n1 " + LATE + "\n", "damaged\n"]) {
    const { mailboxes, root } = setup();
    dovecotMaildir(root, [ONE, LATE], `3 V${V} N4\n1 :${ONE}\n`);
    Deno.writeTextFileSync(join(root, UID_LIST_FILE), ours);
    const seen = await listing(mailboxes);
    assert.notEqual(seen.uidValidity, V);
    if (ours !== "damaged\n") assert.equal(seen.uidValidity, 1800000000);
    assert.ok(exists(join(root, DOVECOT_UIDLIST_FILE)));
  }
});

Deno.test("our index deleted after Dovecot's UIDs were taken starts a new UIDVALIDITY: the old list would give UID 2 to another message", async () => {
  const first = setup();
  dovecotMaildir(first.root, [ONE], `3 V${V} N2\n1 :${ONE}\n`);
  assert.equal((await listing(first.mailboxes)).uidValidity, V);
  await first.store.deliver([ACCOUNT], [new TextEncoder().encode("Subject: a\r\n\r\n")]);
  const withNew = await listing(first.mailboxes);
  assert.deepEqual(withNew.messages.map(([uid]) => uid), [1, 2]);
  // The message with UID 2 is deleted, another arrives, and the index is deleted by hand.
  const mailbox = await first.mailboxes.openMailbox(ACCOUNT);
  await mailbox.expunge([2]);
  mailbox.release();
  await first.store.deliver([ACCOUNT], [new TextEncoder().encode("Subject: b\r\n\r\n")]);
  Deno.removeSync(join(first.root, UID_LIST_FILE));
  const second = setup(first.spoolDir);
  const seen = await listing(second.mailboxes);
  assert.notEqual(seen.uidValidity, V);
  assert.ok(seen.uidValidity > V);
});

Deno.test("a dovecot-uidlist whose UIDVALIDITY is not above the account's floor is ignored: a folder of that name was deleted with it", async () => {
  const { mailboxes, root, lines } = setup();
  dovecotMaildir(join(root, ".Work"), [ONE], `3 V${V} N2\n1 :${ONE}\n`);
  Deno.writeTextFileSync(join(root, UID_VALIDITY_FLOOR_FILE), `${V}\n`);
  const seen = await listing(mailboxes, "Work");
  assert.ok(seen.uidValidity > V, `${seen.uidValidity}`);
  const warning = lines.find((l) => l.includes("mailbox.dovecot_uidlist_ignored"));
  assert.ok(warning?.includes("line=1 "), lines.join("\n"));
});

Deno.test("a folder from Dovecot deleted before it was ever listed raises the floor to Dovecot's UIDVALIDITY, so one made again under its name starts above", async () => {
  const { mailboxes, root } = setup();
  // Dovecot's clock was ahead: its UIDVALIDITY is above the time now.
  const ahead = Math.floor(Date.now() / 1000) + 3600;
  dovecotMaildir(root, [], null);
  dovecotMaildir(join(root, ".Work"), [ONE], `3 V${ahead} N2\n1 :${ONE}\n`);
  await mailboxes.deleteFolder(ACCOUNT, "Work");
  const again = await mailboxes.openMailbox(ACCOUNT, "Work", { create: true });
  try {
    assert.ok(again.uidValidity > ahead, `${again.uidValidity} > ${ahead}`);
  } finally {
    again.release();
  }
});

Deno.test("our index deleted after it took Dovecot's UIDVALIDITY from a clock a day ahead: the new one is above it all the same", async () => {
  const first = setup();
  // A day ahead: above what the other tests here (an hour ahead) made this process issue.
  const ahead = Math.floor(Date.now() / 1000) + 86400;
  dovecotMaildir(first.root, [ONE], `3 V${ahead} N2\n1 :${ONE}\n`);
  assert.equal((await listing(first.mailboxes)).uidValidity, ahead);
  for (const ours of [null, "damaged\n"]) {
    if (ours === null) Deno.removeSync(join(first.root, UID_LIST_FILE));
    else Deno.writeTextFileSync(join(first.root, UID_LIST_FILE), ours);
    const again = await listing(setup(first.spoolDir).mailboxes);
    assert.ok(again.uidValidity > ahead, `${again.uidValidity} > ${ahead}`);
    assert.deepEqual(again.messages, [[1, ONE]]);
  }
});

Deno.test("a folder taken from Dovecot, then emptied here, keeps its UIDVALIDITY and UIDNEXT after a restart: the next message does not get a UID Dovecot or we gave", async () => {
  const first = setup();
  dovecotMaildir(first.root, [ONE, TWO], `3 V${V} N3\n1 :${ONE}\n2 :${TWO}\n`);
  await first.store.deliver([ACCOUNT], [new TextEncoder().encode("Subject: a\r\n\r\n")]);
  assert.deepEqual((await listing(first.mailboxes)).messages.map(([uid]) => uid), [1, 2, 3]);
  const mailbox = await first.mailboxes.openMailbox(ACCOUNT);
  await mailbox.expunge([1, 2, 3]);
  mailbox.release();
  const second = setup(first.spoolDir);
  assert.deepEqual(await listing(second.mailboxes), { uidValidity: V, uidNext: 4, messages: [] });
  await second.store.deliver([ACCOUNT], [new TextEncoder().encode("Subject: b\r\n\r\n")]);
  assert.deepEqual((await listing(second.mailboxes)).messages.map(([uid]) => uid), [4]);
});

Deno.test("a message moved and one appended into a folder from Dovecot before its first listing get UIDs from Dovecot's next one, and Dovecot's messages keep theirs", async () => {
  const { mailboxes, root, store } = setup();
  await store.deliver([ACCOUNT], [new TextEncoder().encode("Subject: moved\r\n\r\n")]);
  dovecotMaildir(join(root, ".Work"), [ONE, TWO], `3 V${V} N7\n3 :${ONE}\n5 :${TWO}\n`);
  const inbox = await mailboxes.openMailbox(ACCOUNT);
  const work = await mailboxes.openMailbox(ACCOUNT, "Work");
  try {
    await inbox.refresh();
    await inbox.moveTo(work, [1]);
    await work.append([new TextEncoder().encode("Subject: appended\r\n\r\n")]);
  } finally {
    inbox.release();
    work.release();
  }
  const seen = await listing(mailboxes, "Work");
  assert.equal(seen.uidValidity, V);
  assert.deepEqual(seen.messages.map(([uid]) => uid), [3, 5, 7, 8]);
  assert.deepEqual(seen.messages.slice(0, 2).map(([, base]) => base), [ONE, TWO]);
  assert.ok(!exists(join(root, ".Work", DOVECOT_UIDLIST_FILE)));
});

Deno.test("a folder made here and deleted does not cost a folder from Dovecot, not listed yet, its UIDs: Dovecot's UIDVALIDITY is older than the floor it raised", async () => {
  const { mailboxes, root } = setup();
  dovecotMaildir(root, [], null);
  dovecotMaildir(join(root, ".Work"), [ONE], `3 V${V} N2\n1 :${ONE}\n`);
  // Made now: a UIDVALIDITY of now, in an index of ours.
  const made = await mailboxes.openMailbox(ACCOUNT, "Scratch", { create: true });
  await made.refresh();
  made.release();
  await mailboxes.deleteFolder(ACCOUNT, "Scratch");
  const seen = await listing(mailboxes, "Work");
  assert.deepEqual(seen, { uidValidity: V, uidNext: 2, messages: [[1, ONE]] });
});

Deno.test("a folder from Dovecot renamed before it was ever listed keeps Dovecot's UIDVALIDITY and UIDs under its new name, and so do its subfolders", async () => {
  const { mailboxes, root } = setup();
  dovecotMaildir(root, [], null);
  dovecotMaildir(join(root, ".Work"), [ONE], `3 V${V} N2\n1 :${ONE}\n`);
  dovecotMaildir(join(root, ".Work.Old"), [TWO], `3 V${V + 1} N3\n2 :${TWO}\n`);
  await mailboxes.renameFolder(ACCOUNT, "Work", "Job");
  assert.deepEqual(await listing(mailboxes, "Job"), {
    uidValidity: V,
    uidNext: 2,
    messages: [[1, ONE]],
  });
  assert.deepEqual(await listing(mailboxes, "Job.Old"), {
    uidValidity: V + 1,
    uidNext: 3,
    messages: [[2, TWO]],
  });
  // The name left free starts above both (RFC 9051 2.3.1.1).
  const again = await mailboxes.openMailbox(ACCOUNT, "Work", { create: true });
  try {
    assert.ok(again.uidValidity > V, `${again.uidValidity}`);
  } finally {
    again.release();
  }
});

// Dovecot's clock ten and twenty days ahead: above anything the other tests here made this
// process issue (issueUidValidity never goes below what it gave before).
const DAY_S = 86_400;

Deno.test("a dovecot-uidlist with a damaged record from a clock ten days ahead: the folder's new UIDVALIDITY is above the one its header gave Dovecot's clients", async () => {
  const { mailboxes, root } = setup();
  const ahead = Math.floor(Date.now() / 1000) + 10 * DAY_S;
  dovecotMaildir(root, [ONE, TWO], `3 V${ahead} N9\n1 :${ONE}\nx :${TWO}\n`);
  const seen = await listing(mailboxes);
  // RFC 9051 2.3.1.1: Dovecot's UIDs did not persist, so the new UIDVALIDITY must be greater.
  assert.ok(seen.uidValidity > ahead, `${seen.uidValidity} > ${ahead}`);
  assert.deepEqual(seen.messages, [[1, ONE], [2, TWO]]);
});

Deno.test("a folder from Dovecot with a damaged record, from a clock twenty days ahead, deleted before it was ever listed: one made again under its name starts above its header's UIDVALIDITY", async () => {
  const { mailboxes, root } = setup();
  const ahead = Math.floor(Date.now() / 1000) + 20 * DAY_S;
  dovecotMaildir(root, [], null);
  dovecotMaildir(join(root, ".Work"), [ONE, TWO], `3 V${ahead} N9\n1 :${ONE}\nx :${TWO}\n`);
  await mailboxes.deleteFolder(ACCOUNT, "Work");
  const again = await mailboxes.openMailbox(ACCOUNT, "Work", { create: true });
  try {
    assert.ok(again.uidValidity > ahead, `${again.uidValidity} > ${ahead}`);
  } finally {
    again.release();
  }
});
