/**
 * mpop, msmtp's POP3 sibling and a client nobody here wrote, against the
 * real server: STLS with the test CA checked, AUTH PLAIN (SASL, not
 * USER/PASS), and PIPELINING: it sends every RETR, and later every DELE,
 * before it reads the first reply. Each message lands in its Maildir once
 * and byte for byte, a second run retrieves nothing, the deletions reach the
 * spool, and the server logs no warning. Skipped when mpop or openssl is not
 * installed (.ci/run installs mpop).
 */
import assert from "node:assert/strict";
import type { TestCertificates } from "./certs.ts";
import {
  assertEachOnce,
  assertQuietLog,
  BOB,
  bobsFiles,
  canRun,
  CLIENT_DEADLINE_MS,
  deliverMessages,
  filesIn,
  MESSAGES,
  PASSWORD,
  withTlsServer,
} from "./retrieval_fixture.ts";

const HAS_MPOP = canRun("mpop", ["--version"]);
const decoder = new TextDecoder();

/** mpop's own trace header, first in each file it writes. */
const MPOP_RECEIVED = /^Received: from [^\n]*\n\tby [^\n]*\(mpop-[^\n]*\n(?:\t[^\n]*\n)*/;

/** Runs mpop for bob with `keep`; returns its trace: "--> " commands and "<-- " replies in order. */
async function mpop(
  dir: string,
  port: number,
  certs: TestCertificates,
  keep: boolean,
): Promise<string[]> {
  const config = `${dir}/mpoprc`;
  Deno.writeTextFileSync(
    config,
    [
      "account bob",
      "host 127.0.0.1",
      `port ${port}`,
      "tls on",
      "tls_starttls on",
      `tls_trust_file ${certs.caFile}`,
      "auth plain",
      `user ${BOB}`,
      `password ${PASSWORD}`,
      `delivery maildir ${dir}/Maildir`,
      `uidls_file ${dir}/uidls`,
      `keep ${keep ? "on" : "off"}`,
      "account default : bob",
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  Deno.chmodSync(config, 0o600);
  const output = await new Deno.Command("mpop", {
    args: [`--file=${config}`, "--debug"],
    env: { HOME: dir },
    signal: AbortSignal.timeout(CLIENT_DEADLINE_MS),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const said = decoder.decode(output.stdout) + decoder.decode(output.stderr);
  assert.equal(output.code, 0, said);
  assert.doesNotMatch(said, /^<-- -ERR/m, said);
  return said.split(/\r?\n/).filter((line) => /^(-->|<--) /.test(line));
}

/** Asserts `trace` sent `verb` 1..n back to back, before reading any reply to them. */
function assertPipelined(trace: readonly string[], verb: string): void {
  const start = trace.indexOf(`--> ${verb} 1`);
  assert.deepEqual(
    trace.slice(start, start + MESSAGES.length),
    MESSAGES.map((_, i) => `--> ${verb} ${i + 1}`),
    trace.join("\n"),
  );
}

Deno.test({
  name: "mpop: STLS, AUTH PLAIN, pipelined RETR then pipelined DELE; reruns get nothing",
  ignore: !HAS_MPOP,
  fn: () =>
    withTlsServer(async ({ server, certs, dir }) => {
      const stored = await deliverMessages(server);
      for (const sub of ["", "/new", "/cur", "/tmp"]) Deno.mkdirSync(`${dir}/Maildir${sub}`);
      const first = await mpop(dir, server.ports.pop3!, certs, true);
      assert.ok(first.includes("--> STLS"));
      assert.ok(first.includes("--> AUTH PLAIN"));
      assertPipelined(first, "RETR");
      assertEachOnce(filesIn(`${dir}/Maildir/new`), stored, (text) =>
        text.replace(MPOP_RECEIVED, ""));
      assert.equal(bobsFiles(server).length, MESSAGES.length, "kept on the server");

      const again = await mpop(dir, server.ports.pop3!, certs, true);
      assert.deepEqual(
        again.filter((command) =>
          command.startsWith("RETR ")
        ),
        [],
      );

      // keep off: what was retrieved before is deleted without being fetched again.
      const flush = await mpop(dir, server.ports.pop3!, certs, false);
      assertPipelined(flush, "DELE");
      assert.deepEqual(bobsFiles(server), []);
      assert.equal(filesIn(`${dir}/Maildir/new`).length, MESSAGES.length);
      assertQuietLog(server);
    }),
});
