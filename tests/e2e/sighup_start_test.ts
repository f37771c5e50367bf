/**
 * A SIGHUP (certificate reload, log rotation) that arrives while the server
 * is still starting must not stop it: the default action of SIGHUP is to end
 * the process, so the server takes the signal before it starts anything.
 */
import assert from "node:assert/strict";
import { PERMISSIONS, RUNTIME_FLAGS, SERVER_ENV } from "../../scripts/server_runtime.ts";
import { ROOT, tempDir } from "./harness.ts";

Deno.test("a SIGHUP during start-up leaves the server starting, and it comes up", async () => {
  const spoolDir = tempDir();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...RUNTIME_FLAGS,
      ...PERMISSIONS,
      `${ROOT}main.ts`,
      "serve",
      `--spool-dir=${spoolDir}`,
      "--hostname=mx.test",
      "--domains=example.test",
      "--smtp-listen=127.0.0.1:0",
      "--submission-listen=",
      "--pop3-listen=",
      "--imap-listen=",
      "--spare-files=64",
    ],
    env: SERVER_ENV,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const reading = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) stderr += chunk;
  })();
  try {
    // The lock file is the first thing the server makes on its spool: it is starting.
    while (true) {
      try {
        await Deno.lstat(`${spoolDir}/queue/server.lock`);
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    }
    assert.ok(!/event=server\.ready/.test(stderr), "started before the signal could be sent");
    child.kill("SIGHUP");
    const deadline = Date.now() + 15_000;
    while (!/event=server\.ready/.test(stderr) && Date.now() < deadline) {
      const exited = await Promise.race([
        child.status.then(() => true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), 20)),
      ]);
      assert.equal(exited, false, `the server ended on SIGHUP while starting:\n${stderr}`);
    }
    assert.match(stderr, /event=server\.ready/);
  } finally {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    await child.status;
    await reading;
    await Deno.remove(spoolDir, { recursive: true });
  }
});
