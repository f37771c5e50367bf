/**
 * The README's /usr/sbin/sendmail script, copied from the README as an
 * administrator would, run with what cron and mail(1) pass: each message is
 * queued for its recipient. Only the binary's and the flags file's paths are
 * pointed at this checkout and a temporary spool.
 */
import assert from "node:assert/strict";
import { ROOT, runCli, tempDir } from "./harness.ts";
import { PERMISSIONS, RUNTIME_FLAGS } from "../../scripts/server_runtime.ts";

/** The body of the README's `cat > /usr/sbin/sendmail <<'EOF'` block. */
async function readmeSendmailScript(): Promise<string> {
  const readme = await Deno.readTextFile(`${ROOT}README.md`);
  const found = readme.match(/^cat > \/usr\/sbin\/sendmail <<'EOF'\n([\s\S]*?)^EOF$/m);
  assert.ok(found, "the README has no /usr/sbin/sendmail script");
  return found[1]!;
}

/** A stand-in for /usr/local/bin/pillarbox: this checkout, with the binary's permissions. */
function pillarboxCommand(dir: string): string {
  const path = `${dir}/pillarbox`;
  const deno = [Deno.execPath(), "run", ...RUNTIME_FLAGS, ...PERMISSIONS, "--quiet"];
  Deno.writeTextFileSync(
    path,
    `#!/bin/sh\nexec ${deno.map((word) => `'${word}'`).join(" ")} '${ROOT}main.ts' "$@"\n`,
    { mode: 0o755 },
  );
  return path;
}

/** The recipients of every message queued in `spoolDir`. */
function queuedRecipients(spoolDir: string): string[][] {
  const rcpts: string[][] = [];
  for (const entry of Deno.readDirSync(`${spoolDir}/queue/msg`)) {
    const text = Deno.readTextFileSync(`${spoolDir}/queue/msg/${entry.name}`);
    const envelope = JSON.parse(text.slice("PBQ1 ".length, text.indexOf("\n")));
    rcpts.push(envelope.rcpts);
  }
  return rcpts;
}

const CALLERS: ReadonlyArray<readonly [string, string[]]> = [
  ["cron (-FCronDaemon -i -B8BITMIME -oem)", ["-FCronDaemon", "-i", "-B8BITMIME", "-oem", "root"]],
  ["mail(1) (-i -- RCPT)", ["-i", "--", "root"]],
];

for (const [caller, args] of CALLERS) {
  Deno.test(`the README's /usr/sbin/sendmail script queues what ${caller} sends`, async () => {
    const dir = tempDir();
    const spoolDir = `${dir}/spool`;
    const flagsFile = `${dir}/pillarbox.flags`;
    await Deno.writeTextFile(flagsFile, `--spool-dir=${spoolDir}\n--domains=example.test\n`);
    const added = await runCli(["user", "add", "root@example.test", `--flagfile=${flagsFile}`], {
      stdin: "pw\n",
    });
    assert.equal(added.code, 0, added.stderr);
    const script = (await readmeSendmailScript())
      .replaceAll("/usr/local/bin/pillarbox", pillarboxCommand(dir))
      .replaceAll("/etc/pillarbox.flags", flagsFile);
    await Deno.writeTextFile(`${dir}/sendmail`, script, { mode: 0o755 });
    const child = new Deno.Command(`${dir}/sendmail`, {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode("Subject: job output\n\n.\nstill the body\n"));
    await writer.close();
    const output = await child.output();
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    assert.deepEqual(queuedRecipients(spoolDir), [["root@example.test"]]);
  });
}
