/**
 * An IMAP session stands only while its login does: once `user del` or `user
 * passwd` has returned, the session's next command gets `* BYE` and is not run
 * (an EXPUNGE of a deleted account deletes nothing), and a session in IDLE
 * hears the BYE too. Python's imaplib against the real server.
 */
import assert from "node:assert/strict";
import { runCli } from "./harness.ts";
import { command } from "./imap_helpers.ts";
import { runPausedPython } from "./paused_python.ts";
import { RawClient } from "./raw_client.ts";
import { BOB, bobsFiles, PASSWORD, serverWithMail } from "./bob_with_mail.ts";
import { sendWithSmtplib } from "./smtplib_send.ts";

/**
 * imaplib logs in, selects INBOX and marks message 1 \Deleted; after the pause it tries
 * EXPUNGE, then prints what happened and the BYE it heard.
 */
const SESSION = `
import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.login(sys.argv[2], sys.argv[3])
m.select("INBOX")
m.store("1", "+FLAGS", "(\\\\Deleted)")
print("ready", flush=True)
sys.stdin.readline()
try:
    print("expunge", m.expunge()[0])
except imaplib.IMAP4.abort:
    print("aborted")
for bye in m.untagged_responses.get("BYE", []):
    print("BYE", bye.decode())
`;

Deno.test("an IMAP session of an account removed by user del hears BYE at its next command, which is not run", async () => {
  const server = await serverWithMail();
  try {
    const said = await runPausedPython(SESSION, [server.ports.imap!, BOB, PASSWORD], async () => {
      const deleted = await runCli(["user", "del", BOB, `--spool-dir=${server.spoolDir}`]);
      assert.equal(deleted.code, 0, deleted.stderr);
    });
    assert.deepEqual(said, ["aborted", "BYE Account removed"]);
    // The Maildir stays after user del (README), with the message the EXPUNGE would have removed.
    assert.equal(bobsFiles(server).length, 1);
    await server.waitForLog(/event=imap\.auth_revoked .*reason=account-removed/);
  } finally {
    await server.stop();
  }
});

Deno.test("an IMAP session logged in before user passwd hears BYE [EXPIRED] at its next command; the new password logs in", async () => {
  const server = await serverWithMail();
  try {
    const spool = `--spool-dir=${server.spoolDir}`;
    const said = await runPausedPython(SESSION, [server.ports.imap!, BOB, PASSWORD], async () => {
      const changed = await runCli(["user", "passwd", BOB, spool], { stdin: "bob new pw\n" });
      assert.equal(changed.code, 0, changed.stderr);
    });
    // RFC 5530 3: EXPIRED, "access is no longer permitted using that passphrase".
    assert.deepEqual(said, ["aborted", "BYE [EXPIRED] Password changed; log in again"]);
    assert.equal(bobsFiles(server).length, 1);
    const again = await runPausedPython(SESSION, [server.ports.imap!, BOB, "bob new pw"], () => {
      return Promise.resolve();
    });
    assert.deepEqual(again, ["expunge OK"]);
    assert.equal(bobsFiles(server).length, 0);
  } finally {
    await server.stop();
  }
});

Deno.test("an IMAP session in IDLE hears BYE once its account is removed", async () => {
  const server = await serverWithMail();
  const client = await RawClient.connect(server.ports.imap!);
  try {
    await client.line();
    assert.match((await command(client, "l", `LOGIN ${BOB} "${PASSWORD}"`)).at(-1)!, /^l OK/);
    assert.match((await command(client, "s", "SELECT INBOX")).at(-1)!, /^s OK/);
    await client.send("i IDLE\r\n");
    assert.match((await client.line())!, /^\+ /);
    const deleted = await runCli(["user", "del", BOB, `--spool-dir=${server.spoolDir}`]);
    assert.equal(deleted.code, 0, deleted.stderr);
    // RFC 9051 7.1.5: BYE may come at any time; then the connection ends.
    assert.equal(await client.line(20_000), "* BYE Account removed");
    assert.equal(await client.line(), null);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("a users file replaced by another tool with the same accounts, or turned malformed, cuts no IMAP session", async () => {
  const server = await serverWithMail();
  const usersFile = `${server.spoolDir}/users`;
  try {
    await sendWithSmtplib({
      port: server.ports.smtp!,
      from: "alice@remote.test",
      rcpts: [BOB],
      messages: ["Subject: two\r\n\r\nHello again\r\n"],
    });
    const text = await Deno.readTextFile(usersFile);
    const args = [server.ports.imap!, BOB, PASSWORD];
    const replaced = await runPausedPython(SESSION, args, async () => {
      await Deno.writeTextFile(`${usersFile}.new`, `# kept by another tool\n${text}`);
      await Deno.rename(`${usersFile}.new`, usersFile);
    });
    assert.deepEqual(replaced, ["expunge OK"]);
    const broken = await runPausedPython(SESSION, args, async () => {
      await Deno.writeTextFile(usersFile, "bob@example.test has no hash\n", { append: true });
    });
    assert.deepEqual(broken, ["expunge OK"]);
    assert.equal(bobsFiles(server).length, 0);
    await server.waitForLog(/event=auth\.reload_failed .*line/);
  } finally {
    await server.stop();
  }
});

Deno.test("an IMAP session of an account removed and added again under the same name (its Maildir kept) hears BYE [EXPIRED]; the new account logs in to the old mail", async () => {
  const server = await serverWithMail();
  try {
    const spool = `--spool-dir=${server.spoolDir}`;
    const said = await runPausedPython(SESSION, [server.ports.imap!, BOB, PASSWORD], async () => {
      const deleted = await runCli(["user", "del", BOB, spool]);
      assert.equal(deleted.code, 0, deleted.stderr);
      const added = await runCli(["user", "add", BOB, spool], { stdin: `${PASSWORD}\n` });
      assert.equal(added.code, 0, added.stderr);
    });
    // Even with the same password: a new account, whose owner may be someone else.
    assert.deepEqual(said, ["aborted", "BYE [EXPIRED] Password changed; log in again"]);
    // README: adding the address again gives the old mail to whoever gets it.
    const again = await runPausedPython(
      SESSION,
      [server.ports.imap!, BOB, PASSWORD],
      () => Promise.resolve(),
    );
    assert.deepEqual(again, ["expunge OK"]);
    assert.equal(bobsFiles(server).length, 0);
  } finally {
    await server.stop();
  }
});
