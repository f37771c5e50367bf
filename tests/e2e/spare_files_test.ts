/**
 * Spare files through the real server: messages deleted over POP3 become
 * spares, new mail is written over them, and every message read back is
 * exactly the one sent, never a trace of the old.
 *
 * Timing matters, and is measured rather than assumed: a deleted file joins
 * the pool only after its Maildir folder's sync (about 100 ms later), and the
 * pool empties parked files after one quiet second. A round counts only when
 * the new mail landed in the deleted files' inodes before that second was up;
 * on a machine too slow for that, the round is repeated.
 */
import assert from "node:assert/strict";
import { maildirFiles, python, startServer, waitUntil } from "./harness.ts";
import { sendWithSmtplib } from "./smtplib_send.ts";

const BOB = "bob@example.test";
const PASSWORD = "pw bob 2";
const ROUNDS = 5;

const message = (tag: string, lines: number) =>
  `From: Alice <alice@remote.test>\r\nTo: bob@example.test\r\nSubject: ${tag}\r\n\r\n` +
  `${tag} body line\r\n`.repeat(lines);

/** Deletes every message over POP3, waits for the pool to take the files, then sends the new mail. */
const DELETE_THEN_SEND = `
import base64, json, poplib, smtplib, sys, time
pop_port, smtp_port, user, password = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
messages = json.loads(sys.argv[5])
p = poplib.POP3("127.0.0.1", pop_port, timeout=10)
p.user(user); p.pass_(password)
for i in range(len(p.list()[1])): p.dele(i + 1)
quit_sent = time.monotonic()
p.quit()
time.sleep(0.3)
with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as s:
    for body in messages:
        s.sendmail("a@remote.test", [user], body.encode())
print(json.dumps({"seconds": time.monotonic() - quit_sent}))
`;

const READ_ALL = `
import poplib, sys, json
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
p.user(sys.argv[2]); p.pass_(sys.argv[3])
out = [b"\\r\\n".join(p.retr(i + 1)[1]).decode() + "\\r\\n" for i in range(len(p.list()[1]))]
p.quit()
print(json.dumps(out))
`;

const inodes = (paths: string[]) => paths.map((path) => Deno.statSync(path).ino!);

Deno.test("POP3 deletions become spares; new mail written over them reads back exactly", async () => {
  const server = await startServer({
    users: { [BOB]: PASSWORD },
    flags: ["--insecure-auth", "--spare-files=2"],
  });
  try {
    const smtp = server.ports.smtp!;
    const pop3 = server.ports.pop3!;
    let proven = false;
    for (let round = 0; round < ROUNDS && !proven; round++) {
      // Long old messages, so that a short new one written over them would show any leftover.
      const old = Array.from({ length: 6 }, (_, i) => message(`old-${round}-${i}`, 200));
      const before = maildirFiles(server.spoolDir, BOB).length; // an earlier round's new mail
      await sendWithSmtplib({ port: smtp, from: "a@remote.test", rcpts: [BOB], messages: old });
      await waitUntil(
        () => maildirFiles(server.spoolDir, BOB).length === before + 6,
        10_000,
        "old",
      );
      const long = maildirFiles(server.spoolDir, BOB).filter((path) =>
        Deno.statSync(path).size > 1000
      );
      assert.equal(long.length, 6);
      const oldInodes = new Set(inodes(long));

      const fresh = Array.from({ length: 6 }, (_, i) => message(`new-${round}-${i}`, 3));
      const { seconds } = JSON.parse(
        await python(DELETE_THEN_SEND, [pop3, smtp, BOB, PASSWORD, JSON.stringify(fresh)]),
      );
      await waitUntil(() => maildirFiles(server.spoolDir, BOB).length === 6, 10_000, "new mail");
      const reused = inodes(maildirFiles(server.spoolDir, BOB)).filter((ino) => oldInodes.has(ino));
      // Before the quiet second was up, the deleted files still held the old bytes.
      if (reused.length < 6 || seconds >= 0.9) continue;
      proven = true;

      const got: string[] = JSON.parse(await python(READ_ALL, [pop3, BOB, PASSWORD]));
      assert.equal(got.length, 6);
      for (const text of got) {
        assert.ok(!text.includes("old-"), "nothing of a deleted message shows through");
        const tag = /Subject: (new-\d-\d)/.exec(text)?.[1];
        assert.ok(tag, "a new message");
        assert.ok(text.endsWith(message(tag!, 3)), `${tag} byte-exact`);
      }
      assert.deepEqual(
        got.map((text) => /Subject: (new-\d-\d)/.exec(text)![1]).sort(),
        fresh.map((_, i) => `new-${round}-${i}`),
      );
    }
    assert.ok(proven, `in ${ROUNDS} rounds, new mail was never written over the deleted files`);
  } finally {
    await server.stop();
  }
});
