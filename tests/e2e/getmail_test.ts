/**
 * getmail6, a retrieval client nobody here wrote, against the real server:
 * its POP3-over-TLS and IMAP-over-TLS retrievers (the test CA checked)
 * deliver into a Maildir and delete on the server; every message arrives
 * once and byte for byte, a second run retrieves nothing, and the server
 * logs no warning. Skipped when getmail or openssl is not installed
 * (.ci/run installs getmail6).
 */
import assert from "node:assert/strict";
import { python, type Server } from "./harness.ts";
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

/**
 * getmail's rc delivering into `folder` below `spoolDir` (as an
 * administrator has getmail fetch a provider's mail for a user), made here
 * and, as root, opened to nobody, who getmail writes as: the folder, and
 * the directories from `spoolDir` down to it, never one above.
 */
function getmailIntoSpool(
  dir: string,
  spool: { spoolDir: string; folder: string },
  retriever: { port: number; caFile: string },
): string {
  const maildir = `${spool.spoolDir}/${spool.folder}`;
  for (const sub of ["", "/new", "/cur", "/tmp"]) {
    Deno.mkdirSync(maildir + sub, { recursive: true });
  }
  Deno.writeTextFileSync(`${maildir}/maildirfolder`, "");
  const rc = getmailrc(dir, "SimplePOP3SSLRetriever", retriever.port, retriever.caFile);
  if (Deno.uid() === 0) {
    let path = spool.spoolDir;
    Deno.chmodSync(path, 0o711);
    for (const part of spool.folder.split("/")) {
      path += `/${part}`;
      Deno.chmodSync(path, 0o711);
    }
    for (const sub of ["", "/new", "/cur", "/tmp"]) Deno.chmodSync(maildir + sub, 0o777);
  }
  return rc.replace(`path = ${dir}/Maildir/`, `path = ${maildir}/`);
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

Deno.test({
  name:
    "messages getmail delivered with bare LFs into a folder of our spool are served over IMAP with CRLF, RFC822.SIZE counting them",
  ignore: !HAS_GETMAIL,
  fn: () =>
    withTlsServer(async ({ server, certs, dir }) => {
      const folder = `${server.spoolDir}/mail/example.test/bob/.Fetched`;
      const rc = getmailIntoSpool(
        dir,
        { spoolDir: server.spoolDir, folder: "mail/example.test/bob/.Fetched" },
        { port: server.ports.pop3s!, caFile: certs.caFile },
      );
      const stored = await deliverMessages(server);
      await getmail(dir, rc);
      const names = [...Deno.readDirSync(`${folder}/new`)].map((entry) => entry.name);
      assert.equal(names.length, MESSAGES.length);
      // getmail's names look like ours (M, P, Q, R); its files hold bare LFs.
      for (const name of names) assert.match(name, /^\d+\.M\d+P\d+Q\d+R[0-9a-f]{16}\./);
      assert.ok(filesIn(`${folder}/new`).every((text) => !text.includes("\r")));
      const out = await python(
        `import imaplib, sys, re, json, ssl
context = ssl.create_default_context(cafile=sys.argv[2]); context.check_hostname = False
c = imaplib.IMAP4_SSL("127.0.0.1", int(sys.argv[1]), ssl_context=context)
c.login("${BOB}", "${PASSWORD}")
count = int(c.select("Fetched", readonly=True)[1][0])
out = []
for n in range(1, count + 1):
    size = int(re.search(rb"RFC822.SIZE (\\d+)", c.fetch(str(n), "(RFC822.SIZE)")[1][0]).group(1))
    out.append([size, c.fetch(str(n), "(BODY.PEEK[])")[1][0][1].decode()])
print(json.dumps(out))`,
        [server.ports.imaps!, certs.caFile],
      );
      const served: [number, string][] = JSON.parse(out);
      for (const [size, text] of served) {
        assert.equal(new TextEncoder().encode(text).length, size);
        assert.doesNotMatch(text, /(?<!\r)\n/, "no bare LF");
      }
      assertEachOnce(
        served.map(([, text]) => stripGetmail(text.replaceAll("\r\n", "\n"))),
        stored,
        (text) => text,
      );
    }),
});
