/**
 * A spool on a disk that fills up for real (a small tmpfs; skipped where it
 * cannot be mounted): what cannot be stored is refused with a transient
 * reply, and a refused write leaves nothing behind to keep the space taken.
 */
import assert from "node:assert/strict";
import { maildirFiles, python, type Server, waitUntil } from "./harness.ts";
import { canMountDisk, type SmallDisk, withServerOnSmallDisk } from "./small_disk.ts";

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

/** argv: port, recipient, subject, body lines of 72 octets. */
const SEND = `
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
body = ("y" * 70 + "\\r\\n") * int(sys.argv[4])
try:
    s.sendmail("alice@remote.test", [sys.argv[2]], "Subject: " + sys.argv[3] + "\\r\\n\\r\\n" + body)
    print(250)
except smtplib.SMTPDataError as e:
    print(e.smtp_code, e.smtp_error.decode())
s.quit()
`;

/** A server whose spool is on a 4 MB disk of its own, with `flags`. */
const withSmallDisk = (
  flags: string[],
  fn: (disk: SmallDisk, server: Server) => Promise<void>,
) => withServerOnSmallDisk({ sizeBytes: 4 * 1024 * 1024, users: { [BOB]: "pw" }, flags }, fn);

Deno.test({
  name: "an IMAP APPEND and an SMTP message the full disk cannot hold leave no partial file behind",
  ignore: !canMountDisk,
  // No spare files: every write makes its file where the message belongs (tmp/).
  fn: () =>
    withSmallDisk(["--spare-files=0", "--insecure-auth"], async (disk, server) => {
      assert.equal(await python(APPEND, [server.ports.imap!, BOB]), "OK\n", "room for one");
      disk.fill(64 * 1024); // room for part of a message (~210 KB), not all of it
      const freeBefore = disk.freeBytes();
      // RFC 5530: what clients know a full mailbox store by (Dovecot says so for ENOSPC too).
      assert.match(await python(APPEND, [server.ports.imap!, BOB]), /^NO \[OVERQUOTA\] /);
      // RFC 5321 4.2.2, RFC 3463 3.4: a full disk is "insufficient system storage".
      assert.match(
        await python(SEND, [server.ports.smtp!, BOB, "big", "3000"]),
        /^452 4\.3\.1 /,
      );
      assert.deepEqual(tmpLeftovers(disk.dir), [], "no partial copy kept");
      assert.equal(disk.freeBytes(), freeBefore, "the space is free again");
      assert.equal(maildirFiles(disk.dir, BOB).length, 0);
    }),
});

const POP_STAT = `
import poplib, sys
p = poplib.POP3("127.0.0.1", int(sys.argv[1]))
p.user(sys.argv[2])
p.pass_("pw")
print(p.stat()[0])
p.quit()
`;

const FIRST_IMAP_LOGIN = `
import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.login(sys.argv[2], "pw")
typ, data = m.select("INBOX")
print(typ, data[0].decode())
typ, data = m.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
print(data[0][1].decode().strip())
m.logout()
`;

Deno.test({
  name: "on a full disk a first IMAP login still gets in and reads the mail that is there",
  ignore: !canMountDisk,
  fn: () =>
    withSmallDisk(["--insecure-auth"], async (disk, server) => {
      assert.equal(await python(SEND, [server.ports.smtp!, BOB, "first", "1"]), "250\n");
      assert.equal(await python(POP_STAT, [server.ports.pop3!, BOB]), "1\n");
      assert.equal(await python(SEND, [server.ports.smtp!, BOB, "second", "1"]), "250\n");
      disk.fill();
      assert.equal(disk.freeBytes(), 0);
      // The first IMAP login makes the special folders and the subscriptions file: no room.
      assert.equal(
        await python(FIRST_IMAP_LOGIN, [server.ports.imap!, BOB]),
        "OK 2\nSubject: first\n",
      );
    }),
});

Deno.test({
  name: "a message the full disk cannot hold leaves its spare file empty, its blocks free at once",
  ignore: !canMountDisk,
  fn: () =>
    withSmallDisk(["--spare-files=4"], async (disk, server) => {
      const spareDir = `${disk.dir}/queue/spare`;
      const spares = () =>
        [...Deno.readDirSync(spareDir)].filter((entry) => !entry.name.endsWith(".lock"));
      await waitUntil(() => spares().length === 4, 10_000, "the pool of 4 spare files");
      disk.fill(64 * 1024); // room for part of a message (~210 KB), not all of it
      const freeBefore = disk.freeBytes();
      assert.match(
        await python(SEND, [server.ports.smtp!, BOB, "big", "3000"]),
        /^452 4\.3\.1 /,
      );
      const sizes = spares().map((entry) => Deno.statSync(`${spareDir}/${entry.name}`).size);
      assert.deepEqual(sizes, [0, 0, 0, 0], "the spare written into holds nothing");
      assert.equal(disk.freeBytes(), freeBefore, "the space is free again");
    }),
});
