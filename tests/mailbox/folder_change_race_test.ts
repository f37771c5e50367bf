/**
 * DELETE or RENAME of a folder while a MOVE into it runs: the MOVE finishes
 * first (the folder's instance is locked), so every message is where the
 * MOVE's answer says it is. Before, the folder went away half way through:
 * the files already moved could not be put back, and the MOVE failed.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Logger } from "../../src/log/mod.ts";
import { type Mailbox, Mailboxes, maildirName } from "../../src/mailbox/mod.ts";

const ACCOUNT = "bob@example.test";
const COUNT = 600;

/** How many files a Maildir folder holds in new/ and cur/ (0 when it is gone). */
function fileCount(dir: string): number {
  let count = 0;
  for (const sub of ["new", "cur"]) {
    try {
      count += [...Deno.readDirSync(join(dir, sub))].length;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return count;
}

/** Resolves once `dir`'s cur/ holds a file: the MOVE is half way. */
async function firstFileIn(dir: string): Promise<void> {
  while (true) {
    for await (const _ of Deno.readDir(join(dir, "cur"))) return;
  }
}

async function inboxAndArchive(): Promise<
  { mailboxes: Mailboxes; inbox: Mailbox; archive: Mailbox }
> {
  const spoolDir = makeTestDir({ prefix: "pillarbox-folder-race-" });
  const mailboxes = new Mailboxes({
    spoolDir,
    hostname: "mx.test",
    log: new Logger({ sink: () => {} }),
  });
  const inbox = await mailboxes.openMailbox(ACCOUNT);
  for (let i = 0; i < COUNT; i++) {
    const name = maildirName("mx.test", 20, Date.UTC(2024, 0, 1) + i * 1000);
    Deno.writeTextFileSync(join(inbox.dir, "cur", `${name}:2,`), `Subject: ${i}\r\n\r\nx\r\n`);
  }
  assert.equal((await inbox.refresh()).length, COUNT);
  const archive = await mailboxes.openMailbox(ACCOUNT, "Archive", { create: true });
  await archive.refresh();
  return { mailboxes, inbox, archive };
}

const CASES = [
  {
    name: "a folder deleted while a MOVE into it runs: the MOVE completes first, nothing is lost",
    change: (mailboxes: Mailboxes) => mailboxes.deleteFolder(ACCOUNT, "Archive"),
    /** Where the moved messages are afterwards (they went with the folder). */
    movedTo: null,
  },
  {
    name:
      "a folder renamed while a MOVE into it runs: the MOVE completes first and its messages are in the new name",
    change: (mailboxes: Mailboxes) => mailboxes.renameFolder(ACCOUNT, "Archive", "Old"),
    movedTo: "Old",
  },
];

for (const testCase of CASES) {
  Deno.test(testCase.name, async () => {
    const { mailboxes, inbox, archive } = await inboxAndArchive();
    const uids = inbox.messages().map((message) => message.uid);
    const move = inbox.moveTo(archive, uids).then((result) => result, (error) => error as Error);
    await firstFileIn(archive.dir);
    await testCase.change(mailboxes);
    const result = await move;
    assert.ok(!(result instanceof Error), `the MOVE failed half way: ${result}`);
    assert.equal(result.sourceUids.length, COUNT);
    assert.equal(fileCount(inbox.dir), 0);
    assert.equal(archive.isGone, true);
    if (testCase.movedTo !== null) {
      const moved = await mailboxes.openMailbox(ACCOUNT, testCase.movedTo);
      assert.equal((await moved.refresh()).length, COUNT);
      moved.release();
    }
    archive.release();
    inbox.release();
  });
}
