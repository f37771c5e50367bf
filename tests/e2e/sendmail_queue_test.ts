/** `pillarbox sendmail` and `pillarbox queue` against a running server's spool. */
import assert from "node:assert/strict";
import { maildirFiles, runCli, startServer, waitUntil } from "./harness.ts";
import { sendWithSmtplib } from "./smtplib_send.ts";

const USERS = { "alice@example.test": "pw", "bob@example.test": "pw" };

function flagsOf(spoolDir: string): string[] {
  return [`--spool-dir=${spoolDir}`, "--domains=example.test,other.test", "--hostname=mx.test"];
}

Deno.test("sendmail queues into a running server's spool and the server delivers it", async () => {
  const server = await startServer({ users: USERS });
  const flags = flagsOf(server.spoolDir);
  try {
    const withI = await runCli(["sendmail", "-i", "-oem", "bob@example.test", ...flags], {
      stdin: "Subject: with -i\n\nbefore\n.\nafter the dot\n",
    });
    assert.equal(withI.code, 0, withI.stderr);
    await waitUntil(() => maildirFiles(server.spoolDir, "bob@example.test").length === 1);
    const first = await Deno.readTextFile(maildirFiles(server.spoolDir, "bob@example.test")[0]!);
    assert.match(first, /\r\nbefore\r\n\.\r\nafter the dot\r\n$/, "-i keeps a lone dot line");
    assert.match(first, /^Return-Path: <[a-z0-9._+-]+@example\.test>\r\n/, "login@first domain");

    const dotted = await runCli(["sendmail", "-t", "-f", "alice@example.test", ...flags], {
      stdin:
        "To: bob@example.test\r\nBcc: alice@example.test\r\nSubject: dot\r\n\r\nkept\r\n.\r\ndropped\r\n",
    });
    assert.equal(dotted.code, 0, dotted.stderr);
    await waitUntil(() => maildirFiles(server.spoolDir, "bob@example.test").length === 2);
    await waitUntil(() => maildirFiles(server.spoolDir, "alice@example.test").length === 1);
    const texts = await Promise.all(
      maildirFiles(server.spoolDir, "bob@example.test").map((f) => Deno.readTextFile(f)),
    );
    const second = texts.find((text) => /Subject: dot/.test(text))!;
    assert.match(second, /^Return-Path: <alice@example\.test>\r\n/);
    assert.match(second, /\r\n\r\nkept\r\n$/, "a lone dot ends the message without -i");
    assert.doesNotMatch(second, /^Bcc:/m);
    await server.waitForLog(/event=msg\.delivered .*rcpt=bob@example\.test/);
  } finally {
    await server.stop();
  }
});

Deno.test("sendmail exits 64 for usage problems and queues nothing", async () => {
  const server = await startServer({ users: USERS });
  const flags = flagsOf(server.spoolDir);
  try {
    const cases: [string[], string][] = [
      [["sendmail", ...flags], "Subject: x\n\nno recipients\n"],
      [["sendmail", "-t", ...flags], "Subject: x\n\nno To header\n"],
      [["sendmail", "-bp", ...flags], ""],
      [["sendmail", "-f", "bad@@x", "bob@example.test", ...flags], "x\n"],
    ];
    for (const [args, stdin] of cases) {
      const result = await runCli(args, { stdin });
      assert.equal(result.code, 64, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, /^pillarbox sendmail: /);
    }
    assert.equal([...Deno.readDirSync(`${server.spoolDir}/queue/msg`)].length, 0);
  } finally {
    await server.stop();
  }
});

const QUEUED_ONE = "Subject: queued one\r\nX-Tag: q1\r\n\r\nbody\r\n";

Deno.test("queue list, show, retry and delete work on a running server's queue", async () => {
  // remote.test's next hop refuses connections, so the message stays queued.
  const server = await startServer({ users: USERS, flags: ["--route=remote.test=127.0.0.1:9"] });
  const flags = flagsOf(server.spoolDir);
  try {
    await sendWithSmtplib({
      port: server.ports.smtp!,
      from: "alice@example.test",
      rcpts: ["far@remote.test"],
      messages: [QUEUED_ONE],
    });
    await server.waitForLog(/event=msg\.deferred .*rcpt=far@remote\.test .*attempts=1/);

    const listed = await runCli(["queue", "list", "--json", ...flags]);
    assert.equal(listed.code, 0, listed.stderr);
    const entries = JSON.parse(listed.stdout);
    assert.equal(entries.length, 1);
    const [entry] = entries;
    assert.equal(entry.from, "alice@example.test");
    assert.equal(entry.rcpts[0].address, "far@remote.test");
    assert.equal(entry.rcpts[0].status, "pending");
    assert.equal(entry.rcpts[0].attempts, 1);
    assert.match(entry.rcpts[0].lastReason, /Cannot connect to 127\.0\.0\.1:9/);
    assert.ok(entry.sizeBytes > 0 && entry.nextAttemptMs > Date.now());

    const text = await runCli(["queue", "list", ...flags]);
    assert.match(
      text.stdout,
      new RegExp(`^${entry.qid}  \\S+  \\d+B  <alice@example\\.test>$`, "m"),
    );
    assert.match(
      text.stdout,
      /^ {4}far@remote\.test {2}pending {2}attempts=1 {2}4\.4\.1 Cannot connect/m,
    );
    assert.match(text.stdout, /^1 message in the queue$/m);

    const shown = await runCli(["queue", "show", entry.qid, ...flags]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^Sender: <alice@example\.test>$/m);
    assert.match(shown.stdout, /^Recipient: <far@remote\.test> pending attempts=1/m);
    assert.match(shown.stdout, /^X-Tag: q1$/m);
    assert.doesNotMatch(shown.stdout, /^body$/m, "headers only");

    const retried = await runCli(["queue", "retry", entry.qid, ...flags]);
    assert.equal(retried.code, 0, retried.stderr);
    await server.waitForLog(/event=msg\.deferred .*rcpt=far@remote\.test .*attempts=2/, 15_000);

    const missing = await runCli(["queue", "show", "nosuchqid", ...flags]);
    assert.equal(missing.code, 1);
    const hostile = await runCli(["queue", "delete", "../../users", ...flags]);
    assert.equal(hostile.code, 2);

    const deleted = await runCli(["queue", "delete", entry.qid, ...flags]);
    assert.equal(deleted.code, 0, deleted.stderr);
    const after = await runCli(["queue", "list", "--json", ...flags]);
    assert.deepEqual(JSON.parse(after.stdout), []);
    await waitUntil(
      () => [...Deno.readDirSync(`${server.spoolDir}/queue/state`)].length === 0,
      15_000,
      "state file gone",
    );
    assert.equal(maildirFiles(server.spoolDir, "alice@example.test").length, 0, "no bounce");
    assert.doesNotMatch(server.log(), /msg\.bounced/);
  } finally {
    await server.stop();
  }
});

Deno.test("queue retry leaves the server's state file alone; a server started later attempts the message at once", async () => {
  const first = await startServer({ users: USERS, flags: ["--route=remote.test=127.0.0.1:9"] });
  const spoolDir = first.spoolDir;
  const flags = flagsOf(spoolDir);
  let qid: string;
  try {
    await sendWithSmtplib({
      port: first.ports.smtp!,
      from: "alice@example.test",
      rcpts: ["far@remote.test"],
      messages: [QUEUED_ONE],
    });
    await first.waitForLog(/event=msg\.deferred .*rcpt=far@remote\.test .*attempts=1/);
    qid = JSON.parse((await runCli(["queue", "list", "--json", ...flags])).stdout)[0].qid;
  } finally {
    await first.stop();
  }
  const statePath = `${spoolDir}/queue/state/${qid}`;
  const stateBefore = await Deno.readFile(statePath);
  const retried = await runCli(["queue", "retry", qid, ...flags]);
  assert.equal(retried.code, 0, retried.stderr);
  assert.deepEqual(await Deno.readFile(statePath), stateBefore, "the CLI never writes state");
  // The next attempt is a minute away (--retry-min); only the request makes it happen now.
  const second = await startServer({
    users: {}, // already in the spool
    flags: ["--route=remote.test=127.0.0.1:9"],
    spoolDir,
  });
  try {
    await second.waitForLog(/event=msg\.deferred .*rcpt=far@remote\.test .*attempts=2/, 15_000);
  } finally {
    await second.stop();
  }
});
