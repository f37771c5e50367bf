/**
 * The README's systemd unit, copied as an administrator would, is one that
 * systemd takes: `systemd-analyze verify` finds no unknown key, no bad value,
 * and (with ExecStart pointed at a program that exists) nothing to report.
 * Skipped where systemd-analyze is not installed.
 */
import assert from "node:assert/strict";
import { ROOT, tempDir } from "./harness.ts";
import { hasProgram } from "./tmux.ts";

/** The README's ```ini block (the one unit it shows). */
async function readmeUnit(): Promise<string> {
  const readme = await Deno.readTextFile(`${ROOT}README.md`);
  const found = readme.match(/^```ini\n([\s\S]*?)^```$/m);
  assert.ok(found, "the README has no systemd unit");
  return found[1]!;
}

Deno.test({
  name: "the README's systemd unit passes systemd-analyze verify, running pillarbox serve",
  ignore: !hasProgram("systemd-analyze", ["--version"]),
  fn: async () => {
    const dir = tempDir();
    const unit = await readmeUnit();
    assert.match(unit, /^ExecStart=\/usr\/local\/bin\/pillarbox serve --flagfile=\S+$/m);
    // verify checks that ExecStart's program exists: give it one.
    const program = `${dir}/pillarbox`;
    await Deno.writeTextFile(program, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    await Deno.writeTextFile(
      `${dir}/pillarbox.service`,
      unit.replaceAll("/usr/local/bin/pillarbox", program),
    );
    const output = await new Deno.Command("systemd-analyze", {
      args: ["verify", `${dir}/pillarbox.service`],
      stdout: "piped",
      stderr: "piped",
      env: { SYSTEMD_LOG_COLOR: "0" },
    }).output();
    const said = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, said);
    assert.equal(said.trim(), "", said);
  },
});
