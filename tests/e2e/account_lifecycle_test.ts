/**
 * Accounts changing while the server runs: `pillarbox user del` and `user
 * add` again, with the account's Maildir removed by hand in between (what an
 * administrator does to discard a deleted account's mail).
 */
import assert from "node:assert/strict";
import { maildirFiles, runCli, type Server, startServer, waitUntil } from "./harness.ts";
import { sendWithSmtplib } from "./smtplib_send.ts";

const BOB = "bob@example.test";
const PASSWORD = "bob pw";

/** Deletes Bob, removes his Maildir, and adds him again (a new person, a new password). */
async function recreateBob(server: Server, password: string): Promise<void> {
  const spool = `--spool-dir=${server.spoolDir}`;
  const deleted = await runCli(["user", "del", BOB, spool]);
  assert.equal(deleted.code, 0, deleted.stderr);
  await Deno.remove(`${server.spoolDir}/mail/example.test/bob`, { recursive: true });
  const added = await runCli(["user", "add", BOB, spool], { stdin: password + "\n" });
  assert.equal(added.code, 0, added.stderr);
}

async function sendToBob(server: Server, subject: string): Promise<void> {
  const refused = await sendWithSmtplib({
    port: server.ports.smtp!,
    from: "alice@remote.test",
    rcpts: [BOB],
    messages: [`Subject: ${subject}\r\n\r\nHello Bob\r\n`],
  });
  assert.deepEqual(refused, [[]]);
}

Deno.test("mail to an account whose Maildir was removed while the server ran is delivered into a new one", async () => {
  const server = await startServer({ users: { [BOB]: PASSWORD } });
  try {
    await sendToBob(server, "before");
    await waitUntil(() => maildirFiles(server.spoolDir, BOB).length === 1, 10_000, "first mail");
    await recreateBob(server, "new pw");
    await sendToBob(server, "after");
    await waitUntil(
      () => maildirFiles(server.spoolDir, BOB).length === 1,
      10_000,
      "the second mail in the new Maildir",
    );
    const text = await Deno.readTextFile(maildirFiles(server.spoolDir, BOB)[0]!);
    assert.match(text, /Subject: after/);
  } finally {
    await server.stop();
  }
});
