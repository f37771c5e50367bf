/**
 * Crash consistency after the 250: the server is killed (SIGKILL, at an
 * exact system call, see fault_injection.ts) while it delivers, bounces or
 * warns, and restarted on the same spool. Nothing accepted may be lost, and
 * no notice may reach the sender twice: a notice is queued held (a hidden
 * name) and goes out only once the original's state records it.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { maildirFiles, runCli, startServer, waitUntil } from "./harness.ts";
import { hasStrace, killingAt, runUntilKilled } from "./fault_injection.ts";

const BOB = "bob@example.test";
const DOMAINS = "--domains=example.test,other.test";

/** Every name in queue/msg, hidden ones included. */
function queueNames(spoolDir: string): string[] {
  return [...Deno.readDirSync(`${spoolDir}/queue/msg`)].map((entry) => entry.name).sort();
}

/** A spool with Bob's account and one message from `sender` (Bob) queued for `rcpt` (no server running). */
async function spoolWithOneMessage(
  rcpt: string,
  sender = BOB,
): Promise<{ spoolDir: string; qid: string }> {
  const spoolDir = makeTestDir({ prefix: "pillarbox-test-" });
  const add = await runCli(["user", "add", BOB, `--spool-dir=${spoolDir}`], { stdin: "pw\n" });
  assert.equal(add.code, 0, add.stderr);
  const sent = await runCli(["sendmail", `--spool-dir=${spoolDir}`, DOMAINS, "-f", sender, rcpt], {
    stdin: "Subject: crash\r\n\r\nbody\r\n",
  });
  assert.equal(sent.code, 0, sent.stderr);
  const [qid] = queueNames(spoolDir);
  assert.ok(qid !== undefined);
  return { spoolDir, qid };
}

/** Bounces and delay notices in Bob's mailbox. */
function noticesFor(spoolDir: string, kind: "failed" | "delayed"): number {
  return maildirFiles(spoolDir, BOB).filter((file) =>
    new RegExp(`^Action: ${kind}`, "m").test(Deno.readTextFileSync(file))
  ).length;
}

Deno.test({
  name: "a kill after a bounce was queued but before the original was removed sends one bounce",
  ignore: !hasStrace,
  fn: async () => {
    // ghost@ is no account: the message fails at once with 5.1.1 and bounces to Bob.
    const { spoolDir, qid } = await spoolWithOneMessage("ghost@example.test");
    await runUntilKilled({
      spoolDir,
      // Removing the original (into queue/spare/) is the step after the bounce.
      wrap: killingAt({ syscalls: ["rename"], paths: [`${spoolDir}/queue/msg/${qid}`] }),
    });
    const server = await startServer({ spoolDir });
    try {
      await waitUntil(() => queueNames(spoolDir).length === 0, 10_000, "an empty queue");
      assert.equal(noticesFor(spoolDir, "failed"), 1, "Bob is told once");
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name: "a kill after the original was removed but before its bounce was let go loses no bounce",
  ignore: !hasStrace,
  fn: async () => {
    const { spoolDir, qid } = await spoolWithOneMessage("ghost@example.test");
    await runUntilKilled({
      spoolDir,
      // The held bounce becomes a queued message by a rename, after the original is gone.
      wrap: killingAt({
        syscalls: ["rename"],
        paths: [`${spoolDir}/queue/msg/.held-${qid}-failed`],
      }),
    });
    assert.ok(!queueNames(spoolDir).includes(qid), "the original was removed before the kill");
    const server = await startServer({ spoolDir });
    try {
      await waitUntil(() => queueNames(spoolDir).length === 0, 10_000, "an empty queue");
      assert.equal(noticesFor(spoolDir, "failed"), 1, "Bob is told once");
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name: "a kill after a delay notice was queued but before the state recorded it sends one notice",
  ignore: !hasStrace,
  fn: async () => {
    // Bob is elsewhere this time: his notice waits in the queue, where it can be counted.
    const { spoolDir, qid } = await spoolWithOneMessage("carol@remote.test", "bob@remote.test");
    // Queued an hour ago: the first attempt (a closed port, deferred) is past the delay warning.
    const path = `${spoolDir}/queue/msg/${qid}`;
    Deno.writeTextFileSync(
      path,
      Deno.readTextFileSync(path).replace(
        /"arrivalMs":(\d+)/,
        (_, ms) => `"arrivalMs":${Number(ms) - 3_600_000}`,
      ),
    );
    const flags = ["--route=remote.test=127.0.0.1:9", "--delay-warning=30m"];
    await runUntilKilled({
      spoolDir,
      flags,
      // The notice's queue file is the first thing made durable in queue/msg.
      wrap: killingAt({ syscalls: ["fsync"], paths: [`${spoolDir}/queue/msg`] }),
    });
    const server = await startServer({ spoolDir, flags });
    const statePath = `${spoolDir}/queue/state/${qid}`;
    const isRecorded = () => {
      try {
        return JSON.parse(Deno.readTextFileSync(statePath)).isDelayNoticeSent === true;
      } catch {
        return false;
      }
    };
    const notices = () =>
      queueNames(spoolDir).filter((name) =>
        Deno.readTextFileSync(`${spoolDir}/queue/msg/${name}`).includes("Action: delayed")
      );
    try {
      await server.waitForLog(/event=msg\.delay_notice/);
      await waitUntil(
        () => isRecorded() && !queueNames(spoolDir).some((name) => name.startsWith(".")),
        10_000,
        "the notice recorded and let go",
      );
      assert.equal(notices().length, 1, "Bob is told once");
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name: "a kill after a pickup file was queued but before it was removed queues it once",
  ignore: !hasStrace,
  fn: async () => {
    const spoolDir = makeTestDir({ prefix: "pillarbox-test-" });
    Deno.mkdirSync(`${spoolDir}/pickup`);
    Deno.writeTextFileSync(
      `${spoolDir}/pickup/letter`,
      "From: bob@example.test\nTo: carol@remote.test\nSubject: picked\n\nbody\n",
    );
    await runUntilKilled({
      spoolDir,
      // carol@remote.test waits in the queue (no DNS): its file is the first made durable there.
      wrap: killingAt({ syscalls: ["fsync"], paths: [`${spoolDir}/queue/msg`] }),
    });
    const server = await startServer({ spoolDir });
    try {
      await server.waitForLog(/event=pickup\.claims_released/);
      await waitUntil(
        () =>
          [...Deno.readDirSync(`${spoolDir}/pickup`)].length === 0 &&
          !queueNames(spoolDir).some((name) => name.startsWith(".")),
        10_000,
        "the pickup folder taken",
      );
      await waitUntil(() => queueNames(spoolDir).length > 0, 10_000, "the message queued");
      assert.equal(queueNames(spoolDir).length, 1, "queued once");
    } finally {
      await server.stop();
    }
  },
});
