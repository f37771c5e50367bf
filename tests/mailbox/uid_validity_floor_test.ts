/**
 * A folder deleted or renamed away and made again under its old name gets a
 * UIDVALIDITY above the old folder's (RFC 3501 2.3.1.1: UIDs that did not
 * persist need a greater one), also when the old one came from a clock that
 * was ahead, or from a run that started within the same second.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Logger } from "../../src/log/mod.ts";
import { Mailboxes, UID_LIST_FILE } from "../../src/mailbox/mod.ts";

const ACCOUNT = "bob@example.test";
const HOUR_S = 3600;

/** A folder as an earlier run left it: its index says UIDVALIDITY `uidValidity`, UIDs up to 4. */
async function leftFolder(mailboxes: Mailboxes, folder: string, uidValidity: number) {
  const dir = join(mailboxes.accountDir(ACCOUNT), `.${folder}`);
  for (const sub of ["tmp", "new", "cur"]) await Deno.mkdir(join(dir, sub), { recursive: true });
  await Deno.writeTextFile(join(dir, UID_LIST_FILE), `pillarbox-uidlist 1 ${uidValidity} 5\n`);
}

function setup(): Mailboxes {
  const spoolDir = makeTestDir({ prefix: "pillarbox-uidvalidity-" });
  return new Mailboxes({ spoolDir, hostname: "mx.test", log: new Logger({ sink: () => {} }) });
}

const cases: {
  name: string;
  takeAway: (mailboxes: Mailboxes) => Promise<void>;
}[] = [
  {
    name: "a folder deleted and made again",
    takeAway: (mailboxes) => mailboxes.deleteFolder(ACCOUNT, "Work"),
  },
  {
    name: "a folder renamed away and made again",
    takeAway: (mailboxes) => mailboxes.renameFolder(ACCOUNT, "Work", "Archive"),
  },
  {
    name: "the subfolder of a folder renamed away, made again",
    takeAway: (mailboxes) => mailboxes.renameFolder(ACCOUNT, "Work", "Archive"),
  },
];

for (const { name, takeAway } of cases) {
  const folder = name.startsWith("the subfolder") ? "Work.Old" : "Work";
  Deno.test(`${name} gets a greater UIDVALIDITY than one a clock an hour ahead gave`, async () => {
    const mailboxes = setup();
    const old = Math.floor(Date.now() / 1000) + HOUR_S;
    if (folder !== "Work") await leftFolder(mailboxes, "Work", old - 1);
    await leftFolder(mailboxes, folder, old);
    await takeAway(mailboxes);
    const again = await mailboxes.openMailbox(ACCOUNT, folder, { create: true });
    try {
      assert.ok(again.uidValidity > old, `${again.uidValidity} > ${old}`);
    } finally {
      again.release();
    }
  });
}
