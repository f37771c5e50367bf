/**
 * `pillarbox user` replaces the users file through a temporary copy beside
 * it. A command killed (SIGKILL, see fault_injection.ts) before its rename
 * leaves that copy, with every account's password hash in it: the next
 * `user` command removes it.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { runCli } from "./harness.ts";
import { hasStrace, killingAt } from "./fault_injection.ts";
import { PERMISSIONS, RUNTIME_FLAGS } from "../../scripts/server_runtime.ts";

const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));

/** Names beside the users file other than it. */
function copiesBeside(spoolDir: string): string[] {
  return [...Deno.readDirSync(spoolDir)].map((entry) => entry.name)
    .filter((name) => name.startsWith("users.")).sort();
}

Deno.test({
  name:
    "a user command killed before its rename leaves a copy of the hashes that the next one removes",
  ignore: !hasStrace,
  fn: async () => {
    const spoolDir = makeTestDir({ prefix: "pillarbox-test-" });
    const add = await runCli(["user", "add", "bob@example.test", `--spool-dir=${spoolDir}`], {
      stdin: "pw\n",
    });
    assert.equal(add.code, 0, add.stderr);
    const before = Deno.readTextFileSync(`${spoolDir}/users`);
    const users = `${spoolDir}/users`;
    // The command's one rename(2): the new copy over the users file.
    const [tracer, ...tracerArgs] = killingAt({ syscalls: ["rename"], paths: [] });
    const child = new Deno.Command(tracer!, {
      args: [
        ...tracerArgs,
        Deno.execPath(),
        "run",
        ...RUNTIME_FLAGS,
        ...PERMISSIONS,
        "--quiet",
        MAIN,
        "user",
        "passwd",
        "bob@example.test",
        `--spool-dir=${spoolDir}`,
      ],
      stdin: "piped",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode("new password\n"));
    await writer.close();
    const status = await child.status;
    assert.ok(status.signal === "SIGKILL" || status.code === 137, `ended ${status.code}`);
    assert.equal(Deno.readTextFileSync(users), before, "the old file stands");
    assert.equal(copiesBeside(spoolDir).length, 1, "the kill left the new copy beside it");
    const next = await runCli(["user", "add", "eve@example.test", `--spool-dir=${spoolDir}`], {
      stdin: "pw\n",
    });
    assert.equal(next.code, 0, next.stderr);
    assert.deepEqual(copiesBeside(spoolDir), [], "the next command removed the copy");
  },
});
