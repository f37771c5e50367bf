/**
 * The command line's own exit statuses, which scripts and service managers
 * act on: 0 for help, 2 for a usage problem (no command, an unknown one) and
 * for a configuration `check` finds unusable.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeTestDir } from "../temp_dirs.ts";
import { runInProcess } from "./run_in_process.ts";

Deno.test("pillarbox without a command prints the help and exits 2", async () => {
  const { code, out } = await runInProcess([]);
  assert.equal(code, 2);
  assert.match(out.join("\n"), /serve/);
});

Deno.test("pillarbox with an unknown command exits 2 and names it", async () => {
  const { code, err } = await runInProcess(["frobnicate", "--hostname=mx.test"]);
  assert.equal(code, 2);
  assert.match(err.join("\n"), /unknown command "frobnicate"/);
});

Deno.test("--help after a subcommand prints the help and exits 0, running nothing", async () => {
  const spoolDir = join(makeTestDir(), "absent");
  const { code, out } = await runInProcess(["queue", "list", "--help", `--spool-dir=${spoolDir}`]);
  assert.equal(code, 0);
  assert.match(out.join("\n"), /serve/);
});

Deno.test("check exits 2 naming a TLS certificate it cannot read, as serve does", async () => {
  const dir = makeTestDir();
  const { code, out, err } = await runInProcess([
    "check",
    `--spool-dir=${join(dir, "spool")}`,
    "--hostname=mx.test",
    `--tls-cert=${join(dir, "missing.pem")}`,
    `--tls-key=${join(dir, "missing.key")}`,
  ]);
  assert.equal(code, 2, out.join("\n"));
  assert.match(err.join("\n"), /missing\.(pem|key)/);
  assert.ok(!out.includes("# configuration ok"));
});
