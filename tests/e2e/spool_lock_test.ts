/**
 * One server per spool: a second `serve` on a spool a server runs on is
 * refused before it touches anything, and the first one goes on; the lock
 * dies with its holder, however that ends.
 */
import assert from "node:assert/strict";
import { maildirFiles, startServer, waitUntil } from "./harness.ts";
import { sendWithSmtplib } from "./smtplib_send.ts";

const USERS = { "bob@example.test": "secret" };

Deno.test("a second server on a spool in use exits 1 naming the spool, and the first goes on", async () => {
  const first = await startServer({ users: USERS });
  try {
    // A half-written message of the first server's: a second server's start-up sweep would delete it.
    const unfinished = `${first.spoolDir}/queue/tmp/unfinished`;
    await Deno.writeTextFile(unfinished, "Subject: still being written\r\n");
    // On a spool nobody holds, this same start succeeds (the second test below).
    await assert.rejects(
      startServer({ spoolDir: first.spoolDir }),
      (error: Error) => {
        assert.match(error.message, /^server exited with 1 before ready:/);
        const lines = error.message.split("\n").slice(1).filter((line) => line !== "");
        assert.equal(lines.length, 1, error.message);
        assert.match(
          lines[0]!,
          /^pillarbox: Another pillarbox server is running on --spool-dir ".*" \(it holds .*\/queue\/server\.lock\); stop it first$/,
        );
        return true;
      },
    );
    assert.equal(await Deno.readTextFile(unfinished), "Subject: still being written\r\n");
    await sendWithSmtplib({
      port: first.ports.smtp!,
      from: "alice@remote.test",
      rcpts: ["bob@example.test"],
      messages: ["Subject: after\r\n\r\nstill served\r\n"],
    });
    await waitUntil(() => maildirFiles(first.spoolDir, "bob@example.test").length === 1);
  } finally {
    await first.stop();
    await Deno.remove(first.spoolDir, { recursive: true });
  }
});

Deno.test("the spool is free again once its server is stopped or killed", async () => {
  const first = await startServer({ users: USERS });
  const spoolDir = first.spoolDir;
  try {
    await first.kill(); // SIGKILL: no clean-up ran, the kernel dropped the lock
    const second = await startServer({ spoolDir });
    await second.stop(); // SIGTERM: released on the way out
    const third = await startServer({ spoolDir });
    await third.stop();
  } finally {
    await Deno.remove(spoolDir, { recursive: true });
  }
});
