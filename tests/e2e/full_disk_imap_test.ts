/**
 * IMAP folder commands on a disk that fills up for real (a small tmpfs;
 * skipped where it cannot be mounted): a command's reply says what was done.
 */
import assert from "node:assert/strict";
import { python } from "./harness.ts";
import { canMountDisk, withServerOnSmallDisk } from "./small_disk.ts";

const BOB = "bob@example.test";

/** argv: port, user, then commands (verb and arguments): prints each tagged reply, then LIST. */
const IMAP = `
import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.login(sys.argv[2], "pw")
for command in sys.argv[3:]:
    verb, *args = command.split(" ")
    typ, data = m._simple_command(verb, *args)
    print(verb, typ, data[0].decode())
typ, data = m.list()
print(" ".join(sorted(line.decode().rsplit(" ", 1)[1] for line in data)))
m.logout()
`;

Deno.test({
  name: "on a full disk IMAP RENAME that moved the folder says OK, though its subscription stays",
  ignore: !canMountDisk,
  fn: () =>
    withServerOnSmallDisk(
      { sizeBytes: 1024 * 1024, users: { [BOB]: "pw" }, flags: ["--insecure-auth"] },
      async (disk, server) => {
        const imap = (...commands: string[]) =>
          python(IMAP, [server.ports.imap!, BOB, ...commands]);
        // The first login makes the special folders, subscribed.
        assert.equal(await imap(), "Archive Drafts INBOX Junk Sent Trash\n");
        disk.fill();
        // The subscriptions file cannot be rewritten; the folder was renamed all the same.
        assert.equal(
          await imap("RENAME Junk Spam"),
          "RENAME OK RENAME completed\nArchive Drafts INBOX Sent Spam Trash\n",
        );
      },
    ),
});

Deno.test({
  name:
    "on a full disk IMAP DELETE and RENAME of folders that were selected (they have a UID index) say OK",
  ignore: !canMountDisk,
  fn: () =>
    withServerOnSmallDisk(
      { sizeBytes: 1024 * 1024, users: { [BOB]: "pw" }, flags: ["--insecure-auth"] },
      async (disk, server) => {
        const imap = (...commands: string[]) =>
          python(IMAP, [server.ports.imap!, BOB, ...commands]);
        assert.match(await imap("SELECT Junk", "SELECT Archive"), /^SELECT OK .*\nSELECT OK /);
        disk.fill();
        // Deleting a folder is how a user on a full disk makes room: it must not need room.
        assert.equal(
          (await imap("DELETE Junk", "RENAME Archive Old")).split("\n").slice(0, 2).join("\n"),
          "DELETE OK DELETE completed\nRENAME OK RENAME completed",
        );
      },
    ),
});
