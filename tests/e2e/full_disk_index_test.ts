/**
 * The UID index on a disk that fills up for real (a small tmpfs; skipped
 * where it cannot be mounted): a mailbox whose index has no room to grow or
 * to be compacted still lists, reads and deletes its mail, which is what a
 * user does to make room, and catches up once there is room again.
 */
import assert from "node:assert/strict";
import { python, type Server } from "./harness.ts";
import { canMountDisk, type SmallDisk, withServerOnSmallDisk } from "./small_disk.ts";

const BOB = "bob@example.test";

/** argv: port, recipient, first number, count. One session, small messages. */
const SEND = `
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
first, count = int(sys.argv[3]), int(sys.argv[4])
for i in range(first, first + count):
    s.sendmail("alice@remote.test", [sys.argv[2]], "Subject: m%d\\r\\n\\r\\nhello\\r\\n" % i)
s.quit()
print("sent")
`;

/** argv: port, user; then message numbers to delete. Prints the count at login, then QUIT's reply. */
const POP = `
import poplib, sys
p = poplib.POP3("127.0.0.1", int(sys.argv[1]))
p.user(sys.argv[2])
try:
    p.pass_("pw")
except poplib.error_proto as e:
    print("login", e.args[0].decode())
    sys.exit()
print(p.stat()[0])
for n in sys.argv[3:]:
    p.dele(n)
try:
    print(p.quit().decode())
except poplib.error_proto as e:
    print(e.args[0].decode())
`;

/** argv: port, user, UIDs to delete (a set, or "" for none). Prints EXISTS, the expunges, the reply. */
const IMAP = `
import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.login(sys.argv[2], "pw")
typ, data = m.select("INBOX")
print(typ, data[0].decode())
if sys.argv[3]:
    m.uid("STORE", sys.argv[3], "+FLAGS.SILENT", "(\\\\Deleted)")
    try:
        typ, data = m.expunge()
        print(typ, len([d for d in data if d]))
    except imaplib.IMAP4.error as e:
        print("NO", e)
    print(m.noop()[0], m.select("INBOX")[1][0].decode())
m.logout()
`;

const withFullDisk = (fn: (disk: SmallDisk, server: Server) => Promise<void>) =>
  withServerOnSmallDisk(
    { sizeBytes: 2 * 1024 * 1024, users: { [BOB]: "pw" }, flags: ["--insecure-auth"] },
    fn,
  );

Deno.test({
  name:
    "on a full disk new mail the UID index has no room for yet waits unlisted, POP3 and IMAP still log in, and it shows once there is room",
  ignore: !canMountDisk,
  fn: () =>
    withFullDisk(async (disk, server) => {
      const pop = (...deletions: number[]) => python(POP, [server.ports.pop3!, BOB, ...deletions]);
      assert.match(await pop(), /^0\n\+OK/);
      assert.equal(await python(SEND, [server.ports.smtp!, BOB, 1, 2]), "sent\n");
      assert.match(await pop(), /^2\n\+OK/, "two messages in the index");
      // Their index lines (some 60 bytes each) need another page of the file.
      assert.equal(await python(SEND, [server.ports.smtp!, BOB, 3, 120]), "sent\n");
      disk.fill();
      assert.match(await pop(), /^2\n\+OK/, "the indexed mail is there to read and delete");
      assert.equal(await python(IMAP, [server.ports.imap!, BOB, ""]), "OK 2\n");
      disk.unfill();
      assert.match(await pop(), /^122\n\+OK/, "recorded now, without a restart");
      assert.equal(await python(IMAP, [server.ports.imap!, BOB, ""]), "OK 122\n");
    }),
});

Deno.test({
  name:
    "on a full disk IMAP EXPUNGE and POP3 QUIT delete what they were asked to and say so, though the UID index cannot be compacted",
  ignore: !canMountDisk,
  fn: () =>
    withFullDisk(async (disk, server) => {
      assert.equal(await python(SEND, [server.ports.smtp!, BOB, 1, 80]), "sent\n");
      assert.equal(await python(IMAP, [server.ports.imap!, BOB, ""]), "OK 80\n");
      // Expunged files are parked as spares, not freed: the compaction (due after 33) has no room.
      disk.fill();
      assert.equal(
        await python(IMAP, [server.ports.imap!, BOB, "1:33"]),
        "OK 80\nOK 33\nOK 47\n",
        "33 EXPUNGE responses and an OK, and they are gone",
      );
      disk.fill();
      const numbers = Array.from({ length: 33 }, (_, i) => i + 1);
      assert.match(
        await python(POP, [server.ports.pop3!, BOB, ...numbers]),
        /^47\n\+OK .*\(33 messages deleted\)\n$/,
      );
      assert.match(await python(POP, [server.ports.pop3!, BOB]), /^14\n\+OK/);
      disk.unfill();
      assert.equal(await python(IMAP, [server.ports.imap!, BOB, ""]), "OK 14\n");
    }),
});
