/**
 * A server that starts while `pillarbox sendmail` is writing a message into
 * the same spool: the start-up sweep of queue/tmp/ must leave the command's
 * file alone, so the message is queued (and delivered), not failed with 75.
 */
import assert from "node:assert/strict";
import { PERMISSIONS, RUNTIME_FLAGS } from "../../scripts/server_runtime.ts";
import { hasStrace } from "./fault_injection.ts";
import { maildirFiles, ROOT, runCli, startServer, tempDir, waitUntil } from "./harness.ts";

Deno.test({
  name:
    "a server starting while sendmail writes its message leaves the file, and the message is delivered",
  ignore: !hasStrace,
  fn: async () => {
    const spoolDir = tempDir();
    const added = await runCli(["user", "add", "bob@example.test", `--spool-dir=${spoolDir}`], {
      stdin: "pw\n",
    });
    assert.equal(added.code, 0, added.stderr);
    const pidFile = Deno.makeTempFileSync({ prefix: "pillarbox-pid-" });
    const traceFile = Deno.makeTempFileSync({ prefix: "pillarbox-trace-" });
    // sendmail stops at its first sync: its message is written into queue/tmp/, not yet queued.
    const sendmail = new Deno.Command("strace", {
      args: [
        ...["-f", "-qq", "-o", traceFile, "-e", "trace=fdatasync"],
        ...["-e", "inject=fdatasync:signal=SIGSTOP:when=1"],
        ...["sh", "-c", 'echo $$ > "$0" && exec "$@"', pidFile],
        ...[Deno.execPath(), "run", ...RUNTIME_FLAGS, ...PERMISSIONS, "--quiet", `${ROOT}main.ts`],
        ...["sendmail", "bob@example.test", `--spool-dir=${spoolDir}`, "--domains=example.test"],
      ],
      stdin: "piped",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    let server: Awaited<ReturnType<typeof startServer>> | null = null;
    try {
      const writer = sendmail.stdin.getWriter();
      await writer.write(new TextEncoder().encode("Subject: beside a start\n\nqueued once\n"));
      await writer.close();
      await waitUntil(
        () => /stopped by SIGSTOP/.test(Deno.readTextFileSync(traceFile)),
        15_000,
        "sendmail stopped at its sync",
      );
      assert.equal([...Deno.readDirSync(`${spoolDir}/queue/tmp`)].length, 1);
      server = await startServer({ spoolDir, flags: ["--domains=example.test"] });
      Deno.kill(Number(Deno.readTextFileSync(pidFile)), "SIGCONT");
      const { code, stderr } = await sendmail.output();
      assert.equal(code, 0, new TextDecoder().decode(stderr));
      await waitUntil(() => maildirFiles(spoolDir, "bob@example.test").length === 1);
      const text = await Deno.readTextFile(maildirFiles(spoolDir, "bob@example.test")[0]!);
      assert.match(text, /\r\n\r\nqueued once\r\n$/);
    } finally {
      try {
        Deno.kill(Number(Deno.readTextFileSync(pidFile)), "SIGKILL");
      } catch { /* ended */ }
      await sendmail.status;
      await server?.stop();
      await Deno.remove(pidFile);
      await Deno.remove(traceFile);
      await Deno.remove(spoolDir, { recursive: true });
    }
  },
});
