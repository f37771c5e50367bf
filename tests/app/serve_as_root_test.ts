/**
 * `serve` run as root on the service user's spool (the README's
 * `ssh host 'pillarbox serve ...'` as root, after `install -d -o pillarbox`):
 * refused before it writes anything there. It used to start, and what it
 * made was root's, mode 0600: once the server ran as its user again, a
 * mailbox root had delivered into answered every POP3 login
 * `-ERR [SYS/TEMP] Local error`, and a Maildir root had made stopped the
 * start (`Permission denied ... readdir`). `check` says so as well.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeTestDir } from "../temp_dirs.ts";
import { ROOT } from "../e2e/harness.ts";
import { PERMISSIONS, RUNTIME_FLAGS } from "../../scripts/server_runtime.ts";
import { runInProcess } from "./run_in_process.ts";

/** `nobody` on Debian: the service user, not root. */
const SERVICE = { uid: 65534, gid: 65534 };
const isRoot = Deno.build.os !== "windows" && Deno.uid() === 0;

/** The service user's spool, as `install -d -o pillarbox -m 700` leaves it. */
function serviceSpool(): string {
  const spoolDir = join(makeTestDir({ prefix: "pillarbox-root-" }), "spool");
  Deno.mkdirSync(spoolDir, { mode: 0o700 });
  Deno.chownSync(spoolDir, SERVICE.uid, SERVICE.gid);
  return spoolDir;
}

const FLAGS = [
  "--hostname=mx.test",
  "--smtp-listen=127.0.0.1:0",
  "--submission-listen=",
  "--pop3-listen=",
  "--imap-listen=",
];

/**
 * `serve` as a child; its status and what it printed. A server that starts
 * (the old behaviour) is stopped once it says it is ready, so that the test
 * fails instead of waiting for ever.
 */
async function serve(spoolDir: string): Promise<{ code: number; stderr: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...RUNTIME_FLAGS,
      ...PERMISSIONS,
      "--quiet",
      `${ROOT}main.ts`,
      "serve",
      `--spool-dir=${spoolDir}`,
      ...FLAGS,
    ],
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  let stderr = "";
  const decoder = new TextDecoder();
  for await (const chunk of child.stderr) {
    stderr += decoder.decode(chunk, { stream: true });
    if (stderr.includes("event=server.ready")) child.kill("SIGTERM");
  }
  return { code: (await child.status).code, stderr };
}

Deno.test({
  name: "serve run as root on a spool its service user owns exits 2 before writing anything there",
  ignore: !isRoot,
  fn: async () => {
    const spoolDir = serviceSpool();
    const served = await serve(spoolDir);
    assert.equal(served.code, 2, served.stderr);
    assert.match(
      served.stderr,
      /^pillarbox: Cannot use --spool-dir ".*": it belongs to uid 65534, and this runs as root: run the server as that user/,
    );
    assert.deepEqual([...Deno.readDirSync(spoolDir)].map((entry) => entry.name), []);
  },
});

Deno.test({
  name: "check run as root on a spool its service user owns exits 2, as serve would",
  ignore: !isRoot,
  fn: async () => {
    const spoolDir = serviceSpool();
    const checked = await runInProcess(["check", `--spool-dir=${spoolDir}`, ...FLAGS]);
    assert.equal(checked.code, 2, checked.out.join("\n"));
    assert.equal(checked.err.length, 1, checked.err.join("\n"));
    assert.match(checked.err[0]!, /it belongs to uid 65534, and this runs as root/);
  },
});

Deno.test({
  name: "serve and check as root on root's own spool, or on one not made yet, go ahead",
  ignore: !isRoot,
  fn: async () => {
    const parent = makeTestDir({ prefix: "pillarbox-root-" });
    const rootSpool = join(parent, "root-spool");
    Deno.mkdirSync(rootSpool, { mode: 0o700 });
    for (const spoolDir of [rootSpool, join(parent, "not-yet")]) {
      const checked = await runInProcess(["check", `--spool-dir=${spoolDir}`, ...FLAGS]);
      assert.equal(checked.code, 0, checked.err.join("\n"));
    }
    const served = await serve(rootSpool);
    assert.equal(served.code, 0, served.stderr);
    assert.match(served.stderr, /event=server\.stopped/);
  },
});
