import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { Logger } from "../../src/log/mod.ts";
import {
  FolderError,
  type FolderProblem,
  type MailboxChange,
  Mailboxes,
} from "../../src/mailbox/mod.ts";

const ACCOUNT = "bob@example.test";

function setup() {
  const spoolDir = makeTestDir({ prefix: "pillarbox-registry-" });
  return new Mailboxes({ spoolDir, hostname: "mx.test", log: new Logger({ sink: () => {} }) });
}

const body = (text: string) => [new TextEncoder().encode(`Subject: ${text}\r\n\r\n`)];

Deno.test("Mailboxes.deleteFolder() tells the open instance it is gone and never hands it out again", async () => {
  const mailboxes = setup();
  const work = await mailboxes.openMailbox(ACCOUNT, "Work", { create: true });
  await work.append(body("old"));
  const heard: MailboxChange[] = [];
  work.onChange((change) => heard.push(change));
  await mailboxes.deleteFolder(ACCOUNT, "Work");
  assert.deepEqual(heard, [{ kind: "gone", reason: "deleted" }]);
  assert.equal(work.isGone, true);
  await assert.rejects(mailboxes.openMailbox(ACCOUNT, "Work"), FolderError);
  work.release();
  const again = await mailboxes.openMailbox(ACCOUNT, "Work", { create: true });
  assert.notEqual(again, work);
  assert.equal((await again.refresh()).length, 0);
  again.release();
});

Deno.test("Mailboxes.renameFolder() drops idle cached instances of the folder and its subfolders", async () => {
  const mailboxes = setup();
  for (const folder of ["Play", "Play.Old"]) {
    const mailbox = await mailboxes.openMailbox(ACCOUNT, folder, { create: true });
    await mailbox.append(body(folder));
    mailbox.release(); // parked as idle, still loaded
  }
  const parked = await mailboxes.openMailbox(ACCOUNT, "Play.Old");
  parked.release();
  await mailboxes.renameFolder(ACCOUNT, "Play", "Games");
  assert.equal(parked.isGone, true);
  const moved = await mailboxes.openMailbox(ACCOUNT, "Games.Old");
  assert.deepEqual((await moved.refresh()).map((message) => message.uid), [1]);
  assert.equal(moved.dir.endsWith("/.Games.Old"), true);
  moved.release();
  const recreated = await mailboxes.openMailbox(ACCOUNT, "Play.Old", { create: true });
  assert.notEqual(recreated, parked);
  assert.equal((await recreated.refresh()).length, 0);
  recreated.release();
});

Deno.test("Mailboxes keeps idle mailboxes loaded until their messages pass the bound, oldest dropped first", async () => {
  const spoolDir = makeTestDir({ prefix: "pillarbox-registry-" });
  const mailboxes = new Mailboxes({
    spoolDir,
    hostname: "mx.test",
    log: new Logger({ sink: () => {} }),
    maxIdle: { mailboxes: 8, messages: 3 },
  });
  const opened = new Map<string, unknown>();
  for (const folder of ["A", "B"]) {
    const mailbox = await mailboxes.openMailbox(ACCOUNT, folder, { create: true });
    await mailbox.append(body("one"));
    await mailbox.append(body("two"));
    opened.set(folder, mailbox);
    mailbox.release();
  }
  const b = await mailboxes.openMailbox(ACCOUNT, "B");
  assert.equal(b, opened.get("B"), "the newest idle mailbox stayed loaded");
  b.release();
  const a = await mailboxes.openMailbox(ACCOUNT, "A");
  assert.notEqual(a, opened.get("A"), "the oldest was dropped: 4 idle messages > 3");
  assert.equal((await a.refresh()).length, 2);
  a.release();
});

Deno.test("Mailboxes.renameFolder() refuses before moving anything when a subfolder's new name is taken", async () => {
  const mailboxes = setup();
  for (const folder of ["Old", "Old.Kids", "New.Kids"]) {
    const mailbox = await mailboxes.openMailbox(ACCOUNT, folder, { create: true });
    await mailbox.append(body(folder));
    mailbox.release();
  }
  await assert.rejects(mailboxes.renameFolder(ACCOUNT, "Old", "New"), FolderError);
  for (const folder of ["Old", "Old.Kids", "New.Kids"]) {
    const mailbox = await mailboxes.openMailbox(ACCOUNT, folder);
    assert.equal((await mailbox.refresh()).length, 1, folder);
    mailbox.release();
  }
  await assert.rejects(mailboxes.openMailbox(ACCOUNT, "New"), FolderError);
});

const refusals: {
  name: string;
  act: (mailboxes: Mailboxes) => Promise<unknown>;
  problem: FolderProblem;
}[] = [
  {
    name: "renaming a folder that does not exist",
    act: (m) => m.renameFolder(ACCOUNT, "Nope", "Other"),
    problem: "missing",
  },
  {
    name: "renaming onto a folder that exists",
    act: (m) => m.renameFolder(ACCOUNT, "Work", "Home"),
    problem: "exists",
  },
  {
    name: "renaming a folder into its own subfolder",
    act: (m) => m.renameFolder(ACCOUNT, "Work", "Work.Inner"),
    problem: "refused",
  },
  {
    name: "renaming INBOX",
    act: (m) => m.renameFolder(ACCOUNT, "INBOX", "Old"),
    problem: "refused",
  },
  { name: "deleting INBOX", act: (m) => m.deleteFolder(ACCOUNT, "INBOX"), problem: "refused" },
  {
    name: "deleting a folder that does not exist",
    act: (m) => m.deleteFolder(ACCOUNT, "Nope"),
    problem: "missing",
  },
  {
    name: "opening a name that could leave the account",
    act: (m) => m.openMailbox(ACCOUNT, "../x"),
    problem: "refused",
  },
];

for (const c of refusals) {
  Deno.test(`a FolderError says why: ${c.name} is "${c.problem}"`, async () => {
    const mailboxes = setup();
    for (const folder of ["Work", "Home"]) {
      (await mailboxes.openMailbox(ACCOUNT, folder, { create: true })).release();
    }
    const error = await c.act(mailboxes).then(() => null, (caught) => caught);
    assert.ok(error instanceof FolderError, String(error));
    assert.equal(error.problem, c.problem);
  });
}
