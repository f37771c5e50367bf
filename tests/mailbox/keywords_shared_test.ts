/**
 * The keyword file (`dovecot-keywords`) is shared with other programs: a
 * Maildir copied in from Dovecot while the server runs, or Dovecot itself
 * working on the same Maildir. Their letters must be read, never given out
 * again for other names.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Logger } from "../../src/log/mod.ts";
import {
  KEYWORDS_FILE,
  type MailboxChange,
  Mailboxes,
  MaildirStore,
} from "../../src/mailbox/mod.ts";
import { Keywords } from "../../src/mailbox/keywords.ts";

const ACCOUNT = "bob@example.test";

async function loadedEmptyInbox() {
  const spoolDir = makeTestDir({ prefix: "pillarbox-keywords-shared-" });
  const store = new MaildirStore({ spoolDir, hostname: "mx.test" });
  const log = new Logger({ sink: () => {} });
  const mailboxes = new Mailboxes({ spoolDir, hostname: "mx.test", log, store });
  const mailbox = await mailboxes.openMailbox(ACCOUNT, "INBOX", { create: true });
  assert.deepEqual(await mailbox.refresh(), []);
  return { mailbox, dir: mailboxes.accountDir(ACCOUNT) };
}

/** A message file as Dovecot names it, with `letters` after `:2,`. */
function writeDovecotMessage(dir: string, base: string, letters: string): void {
  Deno.writeTextFileSync(
    join(dir, "cur", `${base},S=21,W=23:2,${letters}`),
    "Subject: x\n\nbody\n",
  );
}

Deno.test("keywords another program defines while the folder is loaded are shown, and a new keyword of ours takes the next letter, not theirs", async () => {
  const { mailbox, dir } = await loadedEmptyInbox();
  try {
    // An administrator copies a Dovecot Maildir in while the folder is loaded.
    Deno.writeTextFileSync(join(dir, KEYWORDS_FILE), "0 $Forwarded\n1 $Junk\n2 Custom1\n");
    writeDovecotMessage(dir, "1700000000.M1P1.vm", "Sa");
    writeDovecotMessage(dir, "1700000001.M2P1.vm", "Fbc");
    const [one, two] = await mailbox.refresh();
    assert.deepEqual(one!.keywords, ["$Forwarded"]);
    assert.deepEqual(two!.keywords, ["$Junk", "Custom1"]);
    assert.deepEqual(mailbox.keywords, ["$Forwarded", "$Junk", "Custom1"]);
    const [stored] = await mailbox.store([one!.uid], { add: ["Zzz"] });
    assert.deepEqual(stored!.keywords, ["$Forwarded", "Zzz"]);
    assert.equal(
      Deno.readTextFileSync(join(dir, KEYWORDS_FILE)),
      "0 $Forwarded\n1 $Junk\n2 Custom1\n3 Zzz\n",
    );
  } finally {
    mailbox.release();
  }
});

Deno.test("a keyword another program defined after our last listing is not given out again by our STORE", async () => {
  const { mailbox, dir } = await loadedEmptyInbox();
  try {
    writeDovecotMessage(dir, "1700000000.M1P1.vm", "S");
    const [message] = await mailbox.refresh();
    // Dovecot defines $Junk as letter a; nothing in new/ or cur/ changes.
    Deno.writeTextFileSync(join(dir, KEYWORDS_FILE), "0 $Junk\n");
    const [stored] = await mailbox.store([message!.uid], { add: ["$Forwarded"] });
    assert.deepEqual(stored!.keywords, ["$Forwarded"]);
    assert.equal(Deno.readTextFileSync(join(dir, KEYWORDS_FILE)), "0 $Junk\n1 $Forwarded\n");
    assert.match([...Deno.readDirSync(join(dir, "cur"))][0]!.name, /:2,Sb$/);
  } finally {
    mailbox.release();
  }
});

Deno.test("messages listed before their keyword file arrived get their keywords once it is read, and listeners hear it", async () => {
  const { mailbox, dir } = await loadedEmptyInbox();
  const changes: MailboxChange[] = [];
  const stop = mailbox.onChange((change) => changes.push(change));
  try {
    // The copy's message files land first, its keyword file after the listing.
    writeDovecotMessage(dir, "1700000000.M1P1.vm", "Sa");
    const [before] = await mailbox.refresh();
    assert.deepEqual(before!.keywords, []);
    Deno.writeTextFileSync(join(dir, KEYWORDS_FILE), "0 $Forwarded\n");
    writeDovecotMessage(dir, "1700000001.M2P1.vm", "a");
    const [one, two] = await mailbox.refresh();
    assert.deepEqual([one!.keywords, two!.keywords], [["$Forwarded"], ["$Forwarded"]]);
    const flagged = changes.flatMap((change) => change.kind === "flags" ? change.messages : []);
    assert.deepEqual(flagged.map((message) => [message.uid, message.keywords]), [
      [one!.uid, ["$Forwarded"]],
    ]);
  } finally {
    stop();
    mailbox.release();
  }
});

Deno.test("messages listed with a letter get the keyword the re-read file gives that letter now, though the file has as many names as before", async () => {
  const { mailbox, dir } = await loadedEmptyInbox();
  try {
    Deno.writeTextFileSync(join(dir, KEYWORDS_FILE), "0 $Forwarded\n");
    writeDovecotMessage(dir, "1700000000.M1P1.vm", "Sa");
    const [before] = await mailbox.refresh();
    assert.deepEqual(before!.keywords, ["$Forwarded"]);
    // Another Maildir copied over this one: its letter a is $Junk. One name, as before.
    Deno.writeTextFileSync(join(dir, KEYWORDS_FILE), "0 $Junk\n");
    writeDovecotMessage(dir, "1700000001.M2P1.vm", "a");
    const [one, two] = await mailbox.refresh();
    assert.deepEqual([one!.keywords, two!.keywords], [["$Junk"], ["$Junk"]]);
  } finally {
    mailbox.release();
  }
});

/**
 * Three ways the keyword file changes that each leave two of its stamp's
 * parts (inode, size, mtime) as they were: each must still be read again.
 */
const FIXED_MTIME = new Date("2024-01-01T00:00:00Z");
const REWRITES: [string, (path: string) => void][] = [
  ["rewritten in place with as many bytes (only the mtime differs)", (path) => {
    Deno.writeTextFileSync(path, "0 $Junk\n");
  }],
  ["rewritten in place, its mtime put back (only the size differs)", (path) => {
    Deno.writeTextFileSync(path, "0 $Junk\n1 $Seen2\n");
    Deno.utimeSync(path, FIXED_MTIME, FIXED_MTIME);
  }],
  ["replaced by a rename, its mtime put back (only the inode differs)", (path) => {
    Deno.writeTextFileSync(path + ".new", "0 $Junk\n");
    Deno.utimeSync(path + ".new", FIXED_MTIME, FIXED_MTIME);
    Deno.renameSync(path + ".new", path);
  }],
];

for (const [name, rewrite] of REWRITES) {
  Deno.test(`Keywords.reloadIfChanged() reads a keyword file ${name}`, async () => {
    const dir = makeTestDir({ prefix: "pillarbox-keywords-stamp-" });
    const path = join(dir, KEYWORDS_FILE);
    Deno.writeTextFileSync(path, "0 $Spam\n");
    Deno.utimeSync(path, FIXED_MTIME, FIXED_MTIME);
    const keywords = new Keywords(dir);
    await keywords.load();
    assert.equal(keywords.letterOf("$Spam"), "a");
    rewrite(path);
    await keywords.reloadIfChanged();
    assert.equal(keywords.letterOf("$Junk"), "a");
    assert.equal(keywords.letterOf("$Spam"), null);
    assert.equal(keywords.takeRedefined(), true);
  });
}
