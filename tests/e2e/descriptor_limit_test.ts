/**
 * `check` and `serve` say so when the listeners' --max-connections cannot all
 * have a file descriptor under the process's RLIMIT_NOFILE (run under prlimit).
 */
import assert from "node:assert/strict";
import { PERMISSIONS, RUNTIME_FLAGS } from "../../scripts/server_runtime.ts";
import { ROOT, startServer, tempDir } from "./harness.ts";
import { HAS_PRLIMIT, withFileLimit } from "./prlimit.ts";

async function checkUnderLimit(files: number, flags: string[]): Promise<string> {
  const spoolDir = tempDir();
  try {
    const output = await new Deno.Command(withFileLimit(files)[0]!, {
      args: [
        ...withFileLimit(files).slice(1),
        Deno.execPath(),
        "run",
        ...RUNTIME_FLAGS,
        ...PERMISSIONS,
        "--quiet",
        `${ROOT}main.ts`,
        "check",
        `--spool-dir=${spoolDir}`,
        "--hostname=mx.test",
        ...flags,
      ],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    return new TextDecoder().decode(output.stderr);
  } finally {
    await Deno.remove(spoolDir, { recursive: true });
  }
}

Deno.test({
  name: "check warns when four listeners of 256 connections cannot fit under 512 descriptors",
  ignore: !HAS_PRLIMIT,
  fn: async () => {
    const stderr = await checkUnderLimit(512, []);
    assert.match(
      stderr,
      /^pillarbox: warning: the listeners may hold 1024 connections \(--max-connections=256 each\) but only \d{3} more files can be opened \(RLIMIT_NOFILE\).* raise the limit by at least \d+ /m,
    );
  },
});

Deno.test({
  name: "check says nothing of descriptors when the connections fit under the limit",
  ignore: !HAS_PRLIMIT,
  fn: async () => {
    const stderr = await checkUnderLimit(512, ["--max-connections=32"]);
    assert.doesNotMatch(stderr, /RLIMIT_NOFILE/);
  },
});

Deno.test({
  name: "serve logs one warning at start when its connections cannot fit under the limit",
  ignore: !HAS_PRLIMIT,
  fn: async () => {
    const server = await startServer({ wrap: withFileLimit(512) });
    try {
      const line = await server.waitForLog(/event=server\.descriptors_short /);
      assert.match(line, /sessions=1024 needed=1248 free=\d{3} /);
    } finally {
      await server.stop();
    }
  },
});
