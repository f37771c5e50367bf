/**
 * A SIGTERM while the server is still starting is a stop like any other: it
 * used to take the signal's default action (the process killed at once, no
 * line logged), which could cut off a delivery the start had already begun.
 */
import assert from "node:assert/strict";
import { PERMISSIONS, RUNTIME_FLAGS, SERVER_ENV } from "../../scripts/server_runtime.ts";
import { ROOT, tempDir } from "./harness.ts";

Deno.test({
  name: "a SIGTERM during start-up is taken: the server finishes starting, then stops cleanly",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const dir = tempDir();
    // A FIFO as the users file holds the start at its first read until something is written.
    const usersFile = `${dir}/users`;
    new Deno.Command("mkfifo", { args: [usersFile] }).outputSync();
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        ...RUNTIME_FLAGS,
        ...PERMISSIONS,
        `${ROOT}main.ts`,
        "serve",
        `--spool-dir=${dir}/spool`,
        `--users-file=${usersFile}`,
        "--smtp-listen=127.0.0.1:0",
        "--submission-listen=",
        "--pop3-listen=",
        "--imap-listen=",
        "--dns-server=127.0.0.1:9",
      ],
      env: SERVER_ENV,
      stdout: "null",
      stderr: "piped",
    }).spawn();
    let log = "";
    const lines = (async () => {
      for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) log += chunk;
    })();
    // The spool is locked before the users file is read: then the start is surely under way.
    while (!(await Deno.stat(`${dir}/spool/queue/server.lock`).then(() => true, () => false))) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    child.kill("SIGTERM");
    // The start goes on once the users file can be read (empty: no accounts).
    const writer = await Deno.open(usersFile, { write: true });
    writer.close();
    const status = await child.status;
    await lines;
    assert.equal(status.code, 0, log);
    assert.match(log, /event=server\.stop_requested signal=SIGTERM during=start/);
    assert.match(
      log,
      /event=server\.ready[\s\S]*event=server\.stopping[\s\S]*event=server\.stopped/,
    );
  },
});
