/**
 * A configuration problem found after the flags file was read (a certificate
 * that cannot be read, a listen address that is not this host's, two
 * listeners on one port) names the flags file and the line of each flag it is
 * about, as design.md asks of every configuration error: the administrator
 * who wrote /etc/pillarbox.flags is sent to the line to fix.
 */
import assert from "node:assert/strict";
import { makeTestDir } from "../temp_dirs.ts";
import { runCli } from "../e2e/harness.ts";
import { runInProcess } from "./run_in_process.ts";

/** A flags file in a fresh directory whose lines after the first three are `lines`. */
function flagsFile(lines: string[]): { dir: string; path: string } {
  const dir = makeTestDir();
  const path = `${dir}/pillarbox.flags`;
  const head = ["# /etc/pillarbox.flags", "--hostname=mx.test", `--spool-dir=${dir}/spool`];
  Deno.writeTextFileSync(path, [...head, ...lines, ""].join("\n"));
  return { dir, path };
}

/** Listeners of the defaults turned off, so that none of them is taken on this host. */
const QUIET = ["--submission-listen=", "--pop3-listen=", "--imap-listen="];

Deno.test("check and serve name the flags file and line of a TLS certificate they cannot read", async () => {
  const { dir, path } = flagsFile([
    "--smtp-listen=127.0.0.1:0",
    "--tls-cert=/nonexistent/cert.pem",
    "--tls-key=/nonexistent/key.pem",
  ]);
  try {
    const where = ` (flags file "${path}": --tls-cert on line 5)`;
    const checked = await runInProcess(["check", `--flagfile=${path}`, ...QUIET]);
    assert.equal(checked.code, 2, checked.out.join("\n"));
    assert.equal(checked.err.length, 1, checked.err.join("\n"));
    assert.match(
      checked.err[0]!,
      /^pillarbox: Cannot read TLS certificate "\/nonexistent\/cert\.pem"/,
    );
    assert.ok(checked.err[0]!.endsWith(where), checked.err[0]);
    const served = await runCli(["serve", `--flagfile=${path}`, ...QUIET]);
    assert.equal(served.code, 2, served.stderr);
    assert.ok(served.stderr.endsWith(`${where}\n`), served.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("check names the lines of two listeners the flags file puts on one port", async () => {
  const { dir, path } = flagsFile(["--smtp-listen=127.0.0.1:2525", "", "--pop3-listen=:2525"]);
  try {
    const checked = await runInProcess(["check", `--flagfile=${path}`, ...QUIET.slice(0, 1)]);
    assert.equal(checked.code, 2, checked.out.join("\n"));
    assert.deepEqual(checked.err, [
      "pillarbox: Invalid configuration: --smtp-listen and --pop3-listen both listen on " +
      `127.0.0.1:2525 and 0.0.0.0:2525 (flags file "${path}": --smtp-listen on line 4, ` +
      "--pop3-listen on line 6)",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("check names the flags file line of a listen address that is not this host's", async () => {
  const foreign = "198.51.100.77"; // TEST-NET-2 (RFC 5737): no host's own address
  const { dir, path } = flagsFile([`--smtp-listen=${foreign}:2525`]);
  try {
    const checked = await runInProcess(["check", `--flagfile=${path}`, ...QUIET]);
    assert.equal(checked.code, 2, checked.out.join("\n"));
    assert.equal(checked.err.length, 1, checked.err.join("\n"));
    assert.match(checked.err[0]!, /^pillarbox: Invalid flag --smtp-listen=198\.51\.100\.77:2525: /);
    assert.ok(
      checked.err[0]!.endsWith(` (flags file "${path}": --smtp-listen on line 4)`),
      checked.err[0],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a flag the command line overrides is not blamed on the flags file's line", async () => {
  const { dir, path } = flagsFile([
    "--smtp-listen=127.0.0.1:0",
    "--tls-cert=/nonexistent/cert.pem",
    "--tls-key=/nonexistent/key.pem",
  ]);
  try {
    const checked = await runInProcess([
      "check",
      `--flagfile=${path}`,
      "--tls-cert=/nonexistent/other.pem",
      ...QUIET,
    ]);
    assert.equal(checked.code, 2, checked.out.join("\n"));
    assert.equal(checked.err.length, 1, checked.err.join("\n"));
    assert.match(checked.err[0]!, /^pillarbox: Cannot read TLS certificate "\/nonexistent\/other/);
    assert.ok(!checked.err[0]!.includes("flags file"), checked.err[0]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
