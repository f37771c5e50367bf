/**
 * Spare files through the real server: messages deleted over POP3 become
 * spares, new mail (local and queued) is written over them, and every
 * message read back is exactly the one sent, never a trace of the old.
 */
import assert from "node:assert/strict";
import { maildirFiles, python, startServer, waitUntil } from "./harness.ts";
import { sendWithSmtplib } from "./smtplib_send.ts";

const BOB = "bob@example.test";
const PASSWORD = "pw bob 2";

const message = (tag: string, lines: number) =>
  `From: Alice <alice@remote.test>\r\nTo: bob@example.test\r\nSubject: ${tag}\r\n\r\n` +
  `${tag} body line\r\n`.repeat(lines);

function spares(spoolDir: string): string[] {
  return [...Deno.readDirSync(`${spoolDir}/queue/spare`)]
    .filter((entry) => entry.isFile && !entry.name.endsWith(".lock"))
    .map((entry) => entry.name);
}

Deno.test("POP3 deletions become spares; new mail written over them reads back exactly", async () => {
  const server = await startServer({
    users: { [BOB]: PASSWORD },
    flags: ["--insecure-auth", "--spare-files=2"],
  });
  try {
    // Long old messages, so that a short new one written over them would show any leftover.
    const old = Array.from({ length: 6 }, (_, i) => message(`old-${i}`, 200));
    await sendWithSmtplib({
      port: server.ports.smtp!,
      from: "a@remote.test",
      rcpts: [BOB],
      messages: old,
    });
    await waitUntil(() => maildirFiles(server.spoolDir, BOB).length === 6, 10_000, "old mail");
    const deleteAll = `
import poplib, sys
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
p.user(sys.argv[2]); p.pass_(sys.argv[3])
for i in range(len(p.list()[1])): p.dele(i + 1)
p.quit()
`;
    await python(deleteAll, [server.ports.pop3!, BOB, PASSWORD]);
    assert.equal(maildirFiles(server.spoolDir, BOB).length, 0);
    // Parked once the Maildir folders are synced (the server is busy for less than a second).
    await waitUntil(() => spares(server.spoolDir).length >= 6, 10_000, "the deleted files parked");
    const fresh = Array.from({ length: 6 }, (_, i) => message(`new-${i}`, 3));
    await sendWithSmtplib({
      port: server.ports.smtp!,
      from: "a@remote.test",
      rcpts: [BOB],
      messages: fresh,
    });
    await waitUntil(() => maildirFiles(server.spoolDir, BOB).length === 6, 10_000, "new mail");
    assert.ok(spares(server.spoolDir).length < 6, "the new mail was written into spares");
    const readAll = `
import poplib, sys, json
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
p.user(sys.argv[2]); p.pass_(sys.argv[3])
out = [b"\\r\\n".join(p.retr(i + 1)[1]).decode() + "\\r\\n" for i in range(len(p.list()[1]))]
p.quit()
print(json.dumps(out))
`;
    const got: string[] = JSON.parse(await python(readAll, [server.ports.pop3!, BOB, PASSWORD]));
    assert.equal(got.length, 6);
    for (const text of got) {
      assert.ok(!text.includes("old-"), "nothing of a deleted message shows through");
      const tag = /Subject: (new-\d)/.exec(text)?.[1];
      assert.ok(tag, "a new message");
      assert.ok(text.endsWith(message(tag!, 3)), `${tag} byte-exact`);
    }
    assert.deepEqual(
      got.map((text) => /Subject: (new-\d)/.exec(text)![1]).sort(),
      fresh.map((_, i) => `new-${i}`),
    );
  } finally {
    await server.stop();
  }
});
