/**
 * Durability: the 250 after DATA names the queue id, and a SIGKILL in the
 * middle of heavy traffic loses nothing that got a 250. A restart sweeps
 * temporary files and finishes the queue.
 */
import assert from "node:assert/strict";
import { maildirFiles, startServer, waitUntil } from "./harness.ts";
import { maildirName } from "../../src/mailbox/mod.ts";
import { filesIn, mailboxTexts, openSession, queuedIds, sendMessage } from "./smtp_dialog.ts";

const SENDERS = `
import json, smtplib, sys, threading
port, threads = int(sys.argv[1]), int(sys.argv[2])
body = ("x" * 76 + "\\r\\n") * 64
acked, lock = [], threading.Lock()
def run(n):
    try:
        s = smtplib.SMTP("127.0.0.1", port, timeout=30)
        s.ehlo("crash.test")
        for i in range(100000):
            tag = "crash-%d-%d" % (n, i)
            msg = "Message-ID: <%s@crash.test>\\r\\nSubject: %s\\r\\n\\r\\n%s" % (tag, tag, body)
            if s.mail("a@remote.test")[0] != 250 or s.rcpt("bob@example.test")[0] != 250:
                continue
            code, text = s.data(msg.encode())
            if code == 250:
                with lock:
                    acked.append([tag, text.decode().rsplit(" ", 1)[-1]])
    except Exception:
        pass
workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
for w in workers: w.start()
for w in workers: w.join()
print(json.dumps(acked))
`;

Deno.test("the 250 after DATA names the queue id that the Received header carries", async () => {
  const server = await startServer({ users: { "bob@example.test": "pw" } });
  try {
    const client = await openSession(server.ports.smtp!);
    let qid: string;
    try {
      qid = await sendMessage(client, {
        rcpts: ["bob@example.test"],
        message: "Subject: qid-check\r\n\r\nx\r\n.\r\n",
      });
    } finally {
      client.close();
    }
    await waitUntil(() => mailboxTexts(server, "bob@example.test").length === 1, 10_000);
    const text = mailboxTexts(server, "bob@example.test")[0]!;
    assert.match(
      text,
      new RegExp(`\\r\\n\\tby mx\\.test \\(Pillarbox\\) with ESMTP id ${qid}\\r\\n`),
    );
    await server.waitForLog(new RegExp(`event=msg\\.queued .*qid=${qid}`));
  } finally {
    await server.stop();
  }
});

/** Counts files in queue/spare/ (the lock file aside). */
function spareCount(spoolDir: string): number {
  return filesIn(`${spoolDir}/queue/spare`).filter((name) => !name.endsWith(".lock")).length;
}

async function crashUnderLoad(options: { spareFiles: number | null }): Promise<void> {
  const flags = options.spareFiles === null ? [] : [`--spare-files=${options.spareFiles}`];
  const first = await startServer({ users: { "bob@example.test": "pw" }, flags });
  const { spoolDir } = first;
  if (options.spareFiles !== null) {
    // The pool is made in the server's first quiet second; every message then goes into a spare.
    await waitUntil(() => spareCount(spoolDir) >= options.spareFiles!, 30_000, "spares made");
  }
  const senders = new Deno.Command("python3", {
    args: ["-c", SENDERS, String(first.ports.smtp), "20"],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const queuedCount = () => (first.log().match(/event=msg\.queued /g) ?? []).length;
  try {
    await waitUntil(() => queuedCount() >= 150, 30_000, "150 messages queued");
  } finally {
    await first.kill();
  }
  const output = await senders.output();
  const acked = JSON.parse(new TextDecoder().decode(output.stdout)) as [string, string][];
  assert.ok(acked.length >= 150, `at least 150 acknowledged, got ${acked.length}`);
  if (options.spareFiles !== null) {
    const left = spareCount(spoolDir);
    assert.ok(left <= options.spareFiles - acked.length, `spares were used (${left} left)`);
  }

  // Leftovers of interrupted writes, as a crash can leave them.
  await Deno.writeTextFile(`${spoolDir}/queue/tmp/leftover-before-start`, "partial");
  // (A Maildir tmp/ leftover has our name: another program's fresh file there is left alone.)
  await Deno.writeTextFile(
    `${spoolDir}/mail/example.test/bob/tmp/${maildirName("mx.test", 7)}`,
    "partial",
  );

  const second = await startServer({ spoolDir });
  try {
    await second.waitForLog(/event=spool\.swept /);
    await waitUntil(() => queuedIds(second).length === 0, 30_000, "queue drained after restart");
    assert.deepEqual(filesIn(`${spoolDir}/queue/tmp`), [], "queue/tmp swept");
    assert.deepEqual(filesIn(`${spoolDir}/mail/example.test/bob/tmp`), [], "Maildir tmp swept");

    const byTag = new Map<string, string[]>();
    for (const file of maildirFiles(spoolDir, "bob@example.test")) {
      const text = await Deno.readTextFile(file);
      const tag = /\r\nSubject: (crash-\d+-\d+)\r\n/.exec(text)?.[1];
      assert.ok(tag, `a complete message in ${file}`);
      assert.ok(text.endsWith(("x".repeat(76) + "\r\n").repeat(64)), `complete body in ${file}`);
      byTag.set(tag, [...(byTag.get(tag) ?? []), text]);
    }
    const lost = acked.filter(([tag]) => !byTag.has(tag)).map(([tag]) => tag);
    assert.deepEqual(lost, [], `lost ${lost.length} of ${acked.length} acknowledged messages`);
    for (const [tag, qid] of acked) {
      assert.ok(
        byTag.get(tag)!.some((text) => text.includes(` id ${qid}\r\n`)),
        `${tag} carries its queue id ${qid}`,
      );
    }
    const duplicates = [...byTag.values()].filter((texts) => texts.length > 1).length;
    assert.ok(byTag.size >= acked.length, `${byTag.size} delivered, ${duplicates} duplicated`);
    // No delivered message shares its file with a spare (one a later message could overwrite).
    for (const file of maildirFiles(spoolDir, "bob@example.test")) {
      assert.equal(Deno.statSync(file).nlink, 1, `${file} has no other name`);
    }
    if (options.spareFiles !== null) {
      assert.ok(!first.log().includes("spool.spares_busy"), "the first server had the pool");
    }
  } finally {
    await second.stop();
  }
}

Deno.test("SIGKILL under load loses no message that got a 250", async () => {
  await crashUnderLoad({ spareFiles: null });
});

Deno.test("SIGKILL under load with every message written into a spare loses nothing", async () => {
  await crashUnderLoad({ spareFiles: 400 });
});
