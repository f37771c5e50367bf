/**
 * What the tests of mail retrieval clients nobody here wrote (fetchmail,
 * getmail) share: a server with TLS on every listener and bob's account,
 * a few deliveries that are easy to get wrong (8-bit, lines that are only
 * a dot or start with "From ", a big one, an empty body), and a check that
 * each delivered file came back exactly once, byte for byte apart from
 * the client's own trace headers and its LF line ends.
 */
import assert from "node:assert/strict";
import { HAS_OPENSSL, makeTestCertificates, type TestCertificates } from "./certs.ts";
import { maildirFiles, type Server, startServer, tempDir } from "./harness.ts";
import { deliver } from "./imap_helpers.ts";
import { hasProgram } from "./tmux.ts";

export const BOB = "bob@example.test";
export const PASSWORD = "pw-bob";
/** A client still running after this has hung: it is ended (SIGTERM), and the test fails. */
export const CLIENT_DEADLINE_MS = 30_000;

/** True when `program` runs with `args` and openssl is there to make the certificates. */
export function canRun(program: string, args: string[]): boolean {
  return HAS_OPENSSL && hasProgram(program, args);
}

/** Messages from alice to bob, each with a Subject of its own. */
export const MESSAGES: readonly string[] = [
  "From: alice@remote.test\r\nTo: bob@example.test\r\nSubject: plain\r\n\r\nHello Bob\r\n",
  "From: alice@remote.test\r\nTo: bob@example.test\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n" +
  "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
  "Grüße\r\n.\r\n..two dots\r\nFrom the start of a line\r\n\r\n\r\n",
  "From: alice@remote.test\r\nTo: bob@example.test\r\nSubject: big\r\n\r\n" +
  ("y".repeat(990) + "\r\n").repeat(200),
  "From: alice@remote.test\r\nTo: bob@example.test\r\nSubject: empty body\r\n\r\n",
];

/** A server with bob, TLS (STARTTLS, STLS, POP3S, IMAPS) and the test CA that signs it. */
export async function startTlsServer(
  dir: string = tempDir("pillarbox-retrieval-"),
): Promise<{ server: Server; certs: TestCertificates; dir: string }> {
  const certs = await makeTestCertificates(dir);
  const server = await startServer({
    users: { [BOB]: PASSWORD },
    flags: [
      "--pop3s-listen=127.0.0.1:0",
      "--imaps-listen=127.0.0.1:0",
      `--tls-cert=${certs.certFile}`,
      `--tls-key=${certs.keyFile}`,
    ],
  });
  return { server, certs, dir };
}

/** Bob's messages on the server, new/ and cur/. */
export function bobsFiles(server: Server): string[] {
  return [...maildirFiles(server.spoolDir, BOB), ...maildirFiles(server.spoolDir, BOB, "cur")];
}

/** Delivers MESSAGES to bob; returns the stored files' text, as a client should get it. */
export async function deliverMessages(server: Server): Promise<string[]> {
  await deliver(server, [...MESSAGES]);
  return bobsFiles(server).map((file) => Deno.readTextFileSync(file));
}

/** The text of every file in `dir`. */
export function filesIn(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((entry) => Deno.readTextFileSync(`${dir}/${entry.name}`));
}

/**
 * Asserts that `fetched` holds each of `stored` exactly once, once `strip`
 * took out the client's own additions from a fetched text; the client
 * writes LF line ends, the spool has CRLF.
 */
export function assertEachOnce(
  fetched: readonly string[],
  stored: readonly string[],
  strip: (text: string) => string,
): void {
  const got = fetched.map(strip).sort();
  const want = stored.map((text) => text.replaceAll("\r\n", "\n")).sort();
  assert.equal(got.length, want.length, `fetched ${got.length}, stored ${want.length}`);
  for (const [i, text] of want.entries()) assert.equal(got[i], text);
}

/** Asserts that the server logged no warning and no error. */
export function assertQuietLog(server: Server): void {
  const loud = server.log().split("\n").filter((line) => /level=(warn|error)/.test(line));
  assert.deepEqual(loud, []);
}

/** Serves `test` a fresh TLS server, always stopped afterwards. */
export async function withTlsServer(
  test: (context: { server: Server; certs: TestCertificates; dir: string }) => Promise<void>,
): Promise<void> {
  const context = await startTlsServer();
  try {
    await test(context);
  } finally {
    await context.server.stop();
  }
}
