/**
 * A FIFO made in the pickup folder (`mkfifo`, by anyone the README's recipe
 * lets drop files there) is moved aside like any other file that is no
 * message, or left alone as a dotfile, and the server still stops at
 * SIGTERM with status 0. With the folder watched by Deno.watchFs, the
 * watcher's thread opened each FIFO that appeared and waited for a writer
 * for good; with the status page on, the process, though it logged
 * server.stopped, then never ended (systemd kills it after TimeoutStopSec).
 */
import assert from "node:assert/strict";
import { startServer } from "./harness.ts";

Deno.test("a FIFO made in pickup/ is moved aside, and the server still stops at SIGTERM", async () => {
  const server = await startServer({ flags: ["--http-listen=127.0.0.1:0"] });
  try {
    // A dotfile stays where it is (the scans pass over it); the other is moved aside once seen.
    for (const name of [".pipe", "pipe"]) {
      const made = await new Deno.Command("mkfifo", { args: [`${server.spoolDir}/pickup/${name}`] })
        .output();
      assert.ok(made.success, "mkfifo");
    }
    await server.waitForLog(/event=pickup\.rejected .*file=pipe /, 15_000);
    server.signal("SIGTERM");
    // A process that never ends is killed after a deadline, and the test fails.
    let isKilled = false;
    const deadline = setTimeout(() => {
      isKilled = true;
      server.signal("SIGKILL");
    }, 30_000);
    const status = await server.exited;
    clearTimeout(deadline);
    assert.ok(!isKilled, "still running 30 s after SIGTERM:\n" + server.log().slice(-400));
    assert.equal(status.code, 0, server.log().slice(-400));
  } finally {
    await server.kill().catch(() => {});
  }
});
