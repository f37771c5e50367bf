/**
 * A spool on a disk that fills up for real (a small tmpfs; skipped where it
 * cannot be mounted): what cannot be stored is refused with a transient
 * reply, and a refused write leaves nothing behind to keep the space taken.
 */
import assert from "node:assert/strict";
import { maildirFiles, python, startServer } from "./harness.ts";
import { canMountDisk, mountSmallDisk } from "./small_disk.ts";

const BOB = "bob@example.test";

/** Files left in every tmp/ folder under `dir` (Maildir and queue leftovers). */
function tmpLeftovers(dir: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    for (const entry of Deno.readDirSync(path)) {
      const child = `${path}/${entry.name}`;
      if (entry.isDirectory) walk(child);
      else if (path.endsWith("/tmp")) found.push(child);
    }
  };
  walk(dir);
  return found;
}

const APPEND = `
import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.login(sys.argv[2], "pw")
body = ("z" * 70 + "\\r\\n") * 3000
typ, data = m.append("Sent", None, None, ("Subject: draft\\r\\n\\r\\n" + body).encode())
print(typ if typ == "OK" else typ + " " + data[0].decode())
m.logout()
`;

const SEND = `
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
body = ("y" * 70 + "\\r\\n") * 3000
try:
    s.sendmail("alice@remote.test", [sys.argv[2]], "Subject: big\\r\\n\\r\\n" + body)
    print(250)
except smtplib.SMTPDataError as e:
    print(e.smtp_code, e.smtp_error.decode())
s.quit()
`;

Deno.test({
  name: "an IMAP APPEND and an SMTP message the full disk cannot hold leave no partial file behind",
  ignore: !canMountDisk,
  fn: async () => {
    const disk = mountSmallDisk(4 * 1024 * 1024);
    // No spare files: every write makes its file where the message belongs (tmp/).
    const server = await startServer({
      spoolDir: disk.dir,
      users: { [BOB]: "pw" },
      flags: ["--spare-files=0", "--insecure-auth"],
    });
    try {
      assert.equal(await python(APPEND, [server.ports.imap!, BOB]), "OK\n", "room for one");
      disk.fill(64 * 1024); // room for part of a message (~210 KB), not all of it
      const freeBefore = disk.freeBytes();
      // RFC 5530: what clients know a full mailbox store by (Dovecot says so for ENOSPC too).
      assert.match(await python(APPEND, [server.ports.imap!, BOB]), /^NO \[OVERQUOTA\] /);
      // RFC 5321 4.2.2, RFC 3463 3.4: a full disk is "insufficient system storage".
      assert.match(await python(SEND, [server.ports.smtp!, BOB]), /^452 4\.3\.1 /);
      assert.deepEqual(tmpLeftovers(disk.dir), [], "no partial copy kept");
      assert.equal(disk.freeBytes(), freeBefore, "the space is free again");
      assert.equal(maildirFiles(disk.dir, BOB).length, 0);
    } finally {
      await server.stop();
      disk.unmount();
    }
  },
});
