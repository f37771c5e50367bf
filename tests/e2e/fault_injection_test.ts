/**
 * "250 only after the message is durable, and nothing accepted is lost or
 * stored twice", under injected disk faults (see fault_injection.ts): a
 * client that is told 451 must find nothing of its message anywhere, and a
 * message that was told 250 is delivered exactly once.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { maildirFiles, python, runCli, startServer, waitUntil } from "./harness.ts";
import { failing, hasStrace, sendOne } from "./fault_injection.ts";
import { filesIn } from "./smtp_dialog.ts";

const BOB = "bob@example.test";

/** A server (Bob its one user) whose every fsync of queue/msg fails with EIO. */
async function startWithQueueSyncFailing() {
  const spoolDir = makeTestDir({ prefix: "pillarbox-test-" });
  const server = await startServer({
    spoolDir,
    users: { [BOB]: "pw" },
    wrap: failing({ syscalls: ["fsync"], errno: "EIO", paths: [`${spoolDir}/queue/msg`] }),
  });
  return { spoolDir, server };
}

Deno.test({
  name: "a failed sync of queue/msg answers 451 and leaves the message out of the queue",
  ignore: !hasStrace,
  fn: async () => {
    const { spoolDir, server } = await startWithQueueSyncFailing();
    try {
      const [code] = await sendOne({
        port: server.ports.smtp!,
        rcpts: ["carol@remote.test"],
        subject: "refused",
      });
      assert.equal(code, 451);
      // Told 451, the client sends it again: a copy left queued would go out twice.
      assert.deepEqual(filesIn(`${spoolDir}/queue/msg`), []);
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name: "a message for a local and a remote recipient that the queue refuses reaches neither",
  ignore: !hasStrace,
  fn: async () => {
    const { spoolDir, server } = await startWithQueueSyncFailing();
    try {
      const [code] = await sendOne({
        port: server.ports.smtp!,
        rcpts: [BOB, "carol@remote.test"],
        subject: "refused",
      });
      assert.equal(code, 451);
      // The client sends it again later: a copy in Bob's mailbox now would be his second.
      assert.deepEqual(maildirFiles(spoolDir, BOB), []);
      assert.deepEqual(filesIn(`${spoolDir}/queue/msg`), []);
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name: "a Maildir whose sync fails keeps no copy, and the message is delivered once afterwards",
  ignore: !hasStrace,
  fn: async () => {
    const spoolDir = makeTestDir({ prefix: "pillarbox-test-" });
    const newDir = `${spoolDir}/mail/example.test/bob/new`;
    const first = await startServer({
      spoolDir,
      users: { [BOB]: "pw" },
      wrap: failing({ syscalls: ["fsync"], errno: "EIO", paths: [newDir] }),
    });
    try {
      const [code] = await sendOne({ port: first.ports.smtp!, rcpts: [BOB], subject: "once" });
      assert.equal(code, 250); // the queue took it when the mailbox could not
      await first.waitForLog(/event=msg\.deferred .*status=4\.2\.0/);
      // Neither the write at accept time nor the queue's attempt is durable: both are retried.
      assert.deepEqual(maildirFiles(spoolDir, BOB), []);
    } finally {
      await first.stop();
    }
    const retry = await runCli(["queue", "retry", "--all", `--spool-dir=${spoolDir}`]);
    assert.equal(retry.code, 0, retry.stderr);
    const second = await startServer({ spoolDir });
    try {
      await waitUntil(() => filesIn(`${spoolDir}/queue/msg`).length === 0, 10_000, "delivery");
      assert.equal(maildirFiles(spoolDir, BOB).length, 1);
    } finally {
      await second.stop();
    }
  },
});

Deno.test("a delivery whose state cannot be saved is not made again at the next attempt", async () => {
  // A closed port: every attempt for carol fails at once.
  const server = await startServer({
    users: { [BOB]: "pw" },
    flags: ["--route=remote.test=127.0.0.1:9"],
  });
  const stateDir = `${server.spoolDir}/queue/state`;
  const deferred =
    () => (server.log().match(/event=msg\.deferred .*rcpt=carol@remote\.test/g) ?? []);
  try {
    // A file where the state folder should be: saving a state fails (ENOTDIR), nothing else does.
    Deno.removeSync(stateDir, { recursive: true });
    Deno.writeTextFileSync(stateDir, "");
    const [code] = await sendOne({
      port: server.ports.smtp!,
      rcpts: [BOB, "carol@remote.test"],
      subject: "state",
    });
    assert.equal(code, 250);
    await server.waitForLog(/event=delivery\.crash .*Not a directory/);
    assert.equal(maildirFiles(server.spoolDir, BOB).length, 1);
    Deno.removeSync(stateDir);
    Deno.mkdirSync(stateDir);
    const retry = await runCli(["queue", "retry", "--all", `--spool-dir=${server.spoolDir}`]);
    assert.equal(retry.code, 0, retry.stderr);
    await waitUntil(() => deferred().length === 2, 10_000, "the second attempt");
    assert.equal(maildirFiles(server.spoolDir, BOB).length, 1, "Bob has his copy once");
  } finally {
    await server.stop();
  }
});

Deno.test({
  name:
    "an IMAP APPEND told NO because cur/ could not be synced leaves no copy for the retry to double",
  ignore: !hasStrace,
  fn: async () => {
    const spoolDir = makeTestDir({ prefix: "pillarbox-test-" });
    const cur = `${spoolDir}/mail/example.test/bob/cur`;
    Deno.mkdirSync(cur, { recursive: true });
    const server = await startServer({
      spoolDir,
      users: { [BOB]: "pw" },
      flags: ["--insecure-auth"],
      wrap: failing({ syscalls: ["fsync"], errno: "EIO", paths: [cur] }),
    });
    try {
      const reply = await python(
        `import imaplib, sys
c = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
c.login("${BOB}", "pw")
try:
    print(c.append("INBOX", None, None, b"Subject: once\\r\\n\\r\\nbody\\r\\n")[0])
except imaplib.IMAP4.error as e:
    print("NO", e)
print(c.select("INBOX")[1][0].decode())
c.logout()`,
        [server.ports.imap!],
      );
      const [appended, count] = reply.trim().split("\n");
      assert.match(appended!, /^NO/);
      // The client was told the message is not stored; it will APPEND it again.
      assert.equal(count, "0");
      assert.deepEqual(filesIn(cur), []);
    } finally {
      await server.stop();
    }
  },
});
