/**
 * getmail6, a retrieval client nobody here wrote, against the real server:
 * its POP3-over-TLS and IMAP-over-TLS retrievers (the test CA checked)
 * deliver into a Maildir and delete on the server; every message arrives
 * once and byte for byte, a second run retrieves nothing, and the server
 * logs no warning. Skipped when getmail or openssl is not installed
 * (.ci/run installs getmail6).
 */
import assert from "node:assert/strict";
import type { Server } from "./harness.ts";
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

const HAS_GETMAIL = canRun("getmail", ["--version"]);
const decoder = new TextDecoder();

/**
 * What getmail adds: Delivered-To and its own Received (continued with
 * spaces) after the Return-Path it writes anew from the envelope, and, from
 * IMAP, the folder's name at the end of the header.
 */
function stripGetmail(text: string): string {
  return text
    .replace(/^Delivered-To: [^\n]*\n/m, "")
    .replace(/^Received: from 127\.0\.0\.1 [^\n]*\n(?: {2}[^\n]*\n)+/m, "")
    .replace(/^X-getmail-retrieved-from-mailbox: INBOX\n/m, "");
}

/**
 * A Maildir `dir`/Maildir and a getmail rc for `retriever` on `port`.
 * getmail refuses to write a Maildir as root: then it writes as nobody,
 * which must be able to reach the folder.
 */
function getmailrc(dir: string, retriever: string, port: number, caFile: string): string {
  const maildir = `${dir}/Maildir`;
  for (const sub of ["", "/new", "/cur", "/tmp"]) Deno.mkdirSync(maildir + sub);
  const asRoot = Deno.uid() === 0;
  if (asRoot) {
    Deno.chmodSync(dir, 0o711);
    for (const sub of ["", "/new", "/cur", "/tmp"]) Deno.chmodSync(maildir + sub, 0o777);
  }
  return [
    "[retriever]",
    `type = ${retriever}`,
    "server = 127.0.0.1",
    `port = ${port}`,
    `username = ${BOB}`,
    `password = ${PASSWORD}`,
    `ca_certs = ${caFile}`,
    "",
    "[destination]",
    "type = Maildir",
    `path = ${maildir}/`,
    ...(asRoot ? ["user = nobody"] : []),
    "",
    "[options]",
    "verbose = 2",
    "delete = true",
    "",
  ].join("\n");
}

/** Runs getmail with `rc` (its state in `dir`); returns what it said. */
async function getmail(dir: string, rc: string): Promise<string> {
  Deno.writeTextFileSync(`${dir}/getmailrc`, rc);
  const output = await new Deno.Command("getmail", {
    args: [`--getmaildir=${dir}`, "--rcfile=getmailrc"],
    env: { HOME: dir },
    signal: AbortSignal.timeout(CLIENT_DEADLINE_MS),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = decoder.decode(output.stdout) + decoder.decode(output.stderr);
  assert.equal(output.code, 0, text);
  assert.doesNotMatch(text, /error|warning/i, text);
  return text;
}

async function retrieveAndDelete(server: Server, dir: string, rc: string): Promise<void> {
  const stored = await deliverMessages(server);
  const said = await getmail(dir, rc);
  assert.match(said, new RegExp(`\\b${MESSAGES.length} messages \\(\\d+ bytes\\) retrieved`));
  assertEachOnce(
    filesIn(`${dir}/Maildir/new`),
    stored,
    stripGetmail,
  );
  assert.deepEqual(bobsFiles(server), [], "deleted on the server");

  const again = await getmail(dir, rc);
  assert.match(again, /\b0 messages \(0 bytes\) retrieved, 0 skipped/);
  assert.equal(filesIn(`${dir}/Maildir/new`).length, MESSAGES.length);
  assertQuietLog(server);
}

Deno.test({
  name: "getmail's POP3-over-TLS retriever delivers to a Maildir and deletes; a rerun gets nothing",
  ignore: !HAS_GETMAIL,
  fn: () =>
    withTlsServer(async ({ server, certs, dir }) => {
      const rc = getmailrc(dir, "SimplePOP3SSLRetriever", server.ports.pop3s!, certs.caFile);
      await retrieveAndDelete(server, dir, rc);
    }),
});

Deno.test({
  name: "getmail's IMAP-over-TLS retriever delivers to a Maildir and deletes; a rerun gets nothing",
  ignore: !HAS_GETMAIL,
  fn: () =>
    withTlsServer(async ({ server, certs, dir }) => {
      const rc = getmailrc(dir, "SimpleIMAPSSLRetriever", server.ports.imaps!, certs.caFile);
      await retrieveAndDelete(server, dir, rc);
    }),
});
