/**
 * A listen address given by a name that lands on another listener's address:
 * `check` refuses it as `serve` must, and `serve` exits 2 before the spool or a socket opens.
 */
import assert from "node:assert/strict";
import { lookup } from "node:dns/promises";
import { makeTestDir } from "../temp_dirs.ts";
import { runCli } from "../e2e/harness.ts";
import { runInProcess } from "./run_in_process.ts";

Deno.test("check and serve exit 2 for localhost and its address on one port", async () => {
  const dir = makeTestDir();
  try {
    // The address this host's resolver gives for localhost, as the bind would take it.
    const { address } = await lookup("localhost");
    const probe = Deno.listen({ hostname: address, port: 0 });
    const port = (probe.addr as Deno.NetAddr).port;
    probe.close();
    const bracketed = address.includes(":") ? `[${address}]` : address;
    const flags = [
      `--spool-dir=${dir}/spool`,
      "--hostname=mx.test",
      `--smtp-listen=localhost:${port}`,
      `--pop3-listen=${bracketed}:${port}`,
      "--submission-listen=",
      "--imap-listen=",
    ];
    const expected = `pillarbox: Invalid configuration: --smtp-listen and --pop3-listen both ` +
      `listen on localhost:${port} and ${bracketed}:${port} (localhost is ${address})`;
    const checked = await runInProcess(["check", ...flags]);
    assert.equal(checked.code, 2, checked.out.join("\n"));
    assert.deepEqual(checked.err, [expected]);
    const served = await runCli(["serve", ...flags]);
    assert.equal(served.code, 2, served.stderr);
    assert.equal(served.stderr, expected + "\n");
    assert.throws(() => Deno.statSync(`${dir}/spool`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("check and serve exit 2 for a listen address that is not this host's", async () => {
  const dir = makeTestDir();
  try {
    const foreign = "198.51.100.77"; // TEST-NET-2 (RFC 5737): no host's own address
    assert.ok(!Deno.networkInterfaces().some((entry) => entry.address === foreign));
    const flags = [
      `--spool-dir=${dir}/spool`,
      "--hostname=mx.test",
      `--smtp-listen=${foreign}:2525`,
      "--submission-listen=",
      "--pop3-listen=",
      "--imap-listen=",
    ];
    const expected = new RegExp(
      `^pillarbox: Invalid flag --smtp-listen=${foreign}:2525: ${foreign} is no address of this host; its addresses: .*127\\.0\\.0\\.1`,
    );
    const checked = await runInProcess(["check", ...flags]);
    assert.equal(checked.code, 2, checked.out.join("\n"));
    assert.equal(checked.err.length, 1);
    assert.match(checked.err[0]!, expected);
    const served = await runCli(["serve", ...flags]);
    assert.equal(served.code, 2, served.stderr);
    assert.match(served.stderr, expected);
    assert.throws(() => Deno.statSync(`${dir}/spool`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
