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
