/**
 * APPEND (or COPY, MOVE) into a folder that another session deletes or
 * renames after the destination was opened and before the append took its
 * lock: the append is refused as "no such folder" (IMAP's TRYCREATE) and
 * writes nothing anywhere. Before, it wrote into the vanished directory
 * (ENOENT: NO [SERVERBUG]) or, with the name taken again, into the new
 * folder, numbered by the dead instance's UID list (a wrong APPENDUID).
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { Logger } from "../../src/log/mod.ts";
import { FolderError, type Mailbox, Mailboxes } from "../../src/mailbox/mod.ts";

const ACCOUNT = "bob@example.test";
const MESSAGE = [new TextEncoder().encode("Subject: x\r\n\r\nbody\r\n")];

function registry(): Mailboxes {
  return new Mailboxes({
    spoolDir: makeTestDir({ prefix: "pillarbox-append-gone-" }),
    hostname: "mx.test",
    log: new Logger({ sink: () => {} }),
  });
}

const CHANGES = [
  {
    what: "deleted",
    change: async (mailboxes: Mailboxes) => await mailboxes.deleteFolder(ACCOUNT, "Archive"),
    /** Which folder holds the message appended before, afterwards. */
    holder: null,
  },
  {
    what: "renamed",
    change: async (mailboxes: Mailboxes) => await mailboxes.renameFolder(ACCOUNT, "Archive", "Old"),
    holder: "Old",
  },
  {
    what: "renamed away and back",
    change: async (mailboxes: Mailboxes) => {
      await mailboxes.renameFolder(ACCOUNT, "Archive", "Old");
      await mailboxes.renameFolder(ACCOUNT, "Old", "Archive");
    },
    holder: "Archive",
  },
];

const WAYS = [
  {
    way: "an append",
    add: (_mailboxes: Mailboxes, stale: Mailbox) => stale.append(MESSAGE),
  },
  {
    way: "a move",
    add: async (mailboxes: Mailboxes, stale: Mailbox) => {
      const inbox = await mailboxes.openMailbox(ACCOUNT);
      try {
        const { uid } = await inbox.append(MESSAGE);
        return await inbox.moveTo(stale, [uid]);
      } finally {
        inbox.release();
      }
    },
  },
];

for (const { what, change, holder } of CHANGES) {
  for (const { way, add } of WAYS) {
    Deno.test(`${way} into a folder ${what} after it was opened is refused as a missing folder`, async () => {
      const mailboxes = registry();
      const created = await mailboxes.openMailbox(ACCOUNT, "Archive", { create: true });
      await created.append(MESSAGE);
      created.release();
      const stale = await mailboxes.openMailbox(ACCOUNT, "Archive");
      await change(mailboxes);
      await assert.rejects(add(mailboxes, stale), (error) => {
        assert.ok(error instanceof FolderError, `not a FolderError: ${error}`);
        assert.equal(error.problem, "missing");
        return true;
      });
      stale.release();
      if (holder === null) {
        await assert.rejects(mailboxes.openMailbox(ACCOUNT, "Archive"), FolderError);
        return;
      }
      // The folder holds the one message appended before, numbered 1, and nothing else.
      const now = await mailboxes.openMailbox(ACCOUNT, holder);
      assert.deepEqual((await now.refresh()).map((message) => message.uid), [1]);
      assert.equal((await now.append(MESSAGE)).uid, 2);
      now.release();
    });
  }
}
