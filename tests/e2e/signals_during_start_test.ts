/**
 * Signals that arrive while the server is still starting. A SIGHUP
 * (certificate reload, log rotation) must not stop it: the default action of
 * SIGHUP is to end the process, so the server takes the signal before it
 * starts anything. A SIGTERM is a stop like any other: it used to take the
 * default action too (the process killed at once, nothing logged), which
 * could cut off a delivery the start had already begun.
 */
import assert from "node:assert/strict";
import { serveArgs, SERVER_ENV, smtpOnlyFlags, tempDir } from "./harness.ts";

/** `serve` on `spoolDir` with an SMTP listener only, its log collected in `stderr()`. */
function spawnServe(spoolDir: string, flags: string[] = []) {
  const child = new Deno.Command(Deno.execPath(), {
    args: serveArgs([...smtpOnlyFlags(spoolDir), "--spare-files=64", ...flags]),
    env: SERVER_ENV,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let log = "";
  const reading = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) log += chunk;
  })();
  return { child, reading, stderr: () => log };
}

/** Waits for the lock file, the first thing the server makes on its spool: it is starting. */
async function waitUntilStarting(spoolDir: string): Promise<void> {
  while (true) {
    try {
      await Deno.lstat(`${spoolDir}/queue/server.lock`);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
}

Deno.test("a SIGHUP during start-up leaves the server starting, and it comes up", async () => {
  const spoolDir = tempDir();
  const { child, reading, stderr: log } = spawnServe(spoolDir);
  try {
    await waitUntilStarting(spoolDir);
    let stderr = log();
    assert.ok(!/event=server\.ready/.test(stderr), "started before the signal could be sent");
    child.kill("SIGHUP");
    const deadline = Date.now() + 15_000;
    while (!/event=server\.ready/.test(stderr = log()) && Date.now() < deadline) {
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

Deno.test("a SIGTERM during start-up is taken: the server finishes starting, then stops cleanly", async () => {
  const dir = tempDir();
  // A FIFO as the users file holds the start at its first read until something is written.
  const usersFile = `${dir}/users`;
  new Deno.Command("mkfifo", { args: [usersFile] }).outputSync();
  const { child, reading, stderr } = spawnServe(`${dir}/spool`, [`--users-file=${usersFile}`]);
  await waitUntilStarting(`${dir}/spool`);
  child.kill("SIGTERM");
  // The start goes on once the users file can be read (empty: no accounts).
  const writer = await Deno.open(usersFile, { write: true });
  writer.close();
  const status = await child.status;
  await reading;
  assert.equal(status.code, 0, stderr());
  assert.match(stderr(), /event=server\.stop_requested signal=SIGTERM during=start/);
  assert.match(
    stderr(),
    /event=server\.ready[\s\S]*event=server\.stopping[\s\S]*event=server\.stopped/,
  );
});
