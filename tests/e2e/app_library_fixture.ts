/**
 * What the tests of the libraries application developers send and read mail
 * with (Nodemailer, PHPMailer, Perl's Net::SMTP and Mail::IMAPClient, Ruby's
 * net/smtp and net/imap) share: a server with TLS on every listener (the test
 * CA signs it), a few accounts and an alias, a check that a message is stored
 * exactly once and byte for byte after our trace headers, and a read-back of
 * a mailbox over IMAP and POP3 (Python's clients, with the CA checked).
 */
import assert from "node:assert/strict";
import { HAS_OPENSSL, makeTestCertificates, type TestCertificates } from "./certs.ts";
import { maildirFiles, python, type Server, startServer, tempDir, waitUntil } from "./harness.ts";

/** Accounts: address -> password. */
export const USERS: Readonly<Record<string, string>> = {
  "bob@example.test": "pw-bob",
  "carol@example.test": "pw-carol",
  "alice@other.test": "pw-alice",
};
/** An alias of bob's: he may send as it. */
export const ALIASES = "bounces@example.test: bob@example.test\n";
/** A client still running after this has hung: it is ended, and the test fails. */
export const CLIENT_DEADLINE_MS = 30_000;

/** What a test of one library is given. */
export interface AppContext {
  server: Server;
  certs: TestCertificates;
  /** The test's own temporary directory (scripts, configuration). */
  dir: string;
}

/** Why a library's test is skipped, or null when it can run (openssl is there for the CA). */
export function missingClient(program: string, args: string[], what: string): string | null {
  if (!HAS_OPENSSL) return "openssl is not installed";
  try {
    const ran = new Deno.Command(program, { args, stdout: "null", stderr: "null" }).outputSync();
    return ran.success ? null : `${what} is not installed`;
  } catch {
    return `${program} is not installed`;
  }
}

/** Serves `test` a fresh server with TLS on every listener, always stopped afterwards. */
export async function withAppServer(
  prefix: string,
  test: (context: AppContext) => Promise<void>,
  flags: string[] = [],
): Promise<void> {
  const dir = tempDir(prefix);
  const certs = await makeTestCertificates(dir);
  const server = await startServer({
    users: { ...USERS },
    aliases: ALIASES,
    flags: [
      "--submissions-listen=127.0.0.1:0",
      "--pop3s-listen=127.0.0.1:0",
      "--imaps-listen=127.0.0.1:0",
      `--tls-cert=${certs.certFile}`,
      `--tls-key=${certs.keyFile}`,
      ...flags,
    ],
  });
  try {
    await test({ server, certs, dir });
  } finally {
    await server.stop();
  }
}

/** The files in `account`'s new/ and cur/. */
export function mailboxFiles(server: Server, account: string): string[] {
  return [
    ...maildirFiles(server.spoolDir, account),
    ...maildirFiles(server.spoolDir, account, "cur"),
  ];
}

/** Waits for `count` messages in `account`'s mailbox and returns their bytes. */
export async function stored(server: Server, account: string, count: number): Promise<string[]> {
  await waitUntil(() => mailboxFiles(server, account).length >= count, 10_000, account);
  const files = mailboxFiles(server, account);
  assert.equal(files.length, count, `${account} has ${files.length} messages, not ${count}`);
  return files.map((file) => Deno.readTextFileSync(file));
}

/**
 * Asserts that `text` is our Return-Path and Received, then `sent` byte for
 * byte; `via` is the Received clause's protocol (RFC 3848: ESMTPSA is ESMTP
 * with TLS and AUTH, UTF8SMTPSA the same with SMTPUTF8, RFC 6531 3.7.4).
 */
export function assertStoredAsSent(
  text: string,
  sent: string,
  expect: { returnPath: string; via: string; user?: string },
): void {
  assert.ok(text.endsWith(sent), `stored:\n${text}\nsent:\n${sent}`);
  const trace = text.slice(0, text.length - sent.length);
  const returnPath = expect.returnPath.replace(/[.+]/g, "\\$&");
  assert.match(
    trace,
    new RegExp(
      `^Return-Path: <${returnPath}>\\r\\nReceived: from [^\\r]*\\r\\n(?:\\t[^\\r]*\\r\\n)+$`,
    ),
  );
  assert.match(trace, new RegExp(`\\bwith ${expect.via} id `));
  if (expect.user) assert.ok(trace.includes(`(authenticated as ${expect.user})`), trace);
}

/** The one stored message of `texts` whose header has `Subject: subject`. */
export function withSubject(texts: readonly string[], subject: string): string {
  const found = texts.filter((text) => text.includes(`\r\nSubject: ${subject}\r\n`));
  assert.equal(found.length, 1, `messages with Subject: ${subject}: ${found.length}`);
  return found[0]!;
}

/**
 * Every message of `account` as IMAP (BODY.PEEK[], over IMAPS) and POP3
 * (RETR, after STLS) give it, read by Python's clients with the test CA.
 */
export async function readBack(
  context: AppContext,
  account: string,
): Promise<{ imap: string[]; pop3: string[] }> {
  const out = await python(
    `
import imaplib, json, poplib, ssl, sys
ca, imaps, pop3, user, password = sys.argv[1:6]
context = ssl.create_default_context(cafile=ca)
imap = imaplib.IMAP4_SSL("127.0.0.1", int(imaps), ssl_context=context)
imap._encoding = "utf-8"
imap.login(user, password)
imap.select("INBOX", readonly=True)
fetched = []
for number in imap.search(None, "ALL")[1][0].split():
    fetched.append(imap.fetch(number, "(BODY.PEEK[])")[1][0][1].decode("utf-8"))
imap.logout()
pop = poplib.POP3("127.0.0.1", int(pop3))
pop.stls(context)
pop.user(user)
pop.pass_(password)
retrieved = []
for i in range(1, pop.stat()[0] + 1):
    retrieved.append(b"\\r\\n".join(pop.retr(i)[1]).decode("utf-8") + "\\r\\n")
pop.quit()
print(json.dumps({"imap": fetched, "pop3": retrieved}))
`,
    [
      context.certs.caFile,
      context.server.ports.imaps!,
      context.server.ports.pop3!,
      account,
      USERS[account]!,
    ],
  );
  return JSON.parse(out);
}

/** Asserts that IMAP and POP3 give each of `account`'s stored messages, byte for byte. */
export async function assertReadBack(context: AppContext, account: string): Promise<void> {
  const want = mailboxFiles(context.server, account).map((f) => Deno.readTextFileSync(f)).sort();
  const got = await readBack(context, account);
  assert.deepEqual(got.imap.sort(), want, "IMAP");
  assert.deepEqual(got.pop3.sort(), want, "POP3");
}

/** Asserts that the server logged no warning and no error. */
export function assertQuietLog(server: Server): void {
  const loud = server.log().split("\n").filter((line) => /level=(warn|error)/.test(line));
  assert.deepEqual(loud, []);
}

/** How many connections the server accepted on listener `proto` ("submission", ...). */
export function connectionsTo(server: Server, proto: string): number {
  return server.log().split("\n").filter((line) =>
    line.includes("event=smtp.connect ") && line.includes(` proto=${proto} `)
  ).length;
}

/** One way a library submits: its port, implicit TLS or STARTTLS, the SASL mechanism. */
export interface SubmissionWay {
  port: number;
  implicit: boolean;
  mech: string;
  subjects: string[];
}

/**
 * The three ways each SMTP library is driven, two messages each: STARTTLS
 * with PLAIN, STARTTLS with LOGIN, implicit TLS with PLAIN (`mech` in the
 * library's own spelling, from `spell`).
 */
export function submissionWays(
  ports: { submission?: number; submissions?: number },
  spell: (mech: "PLAIN" | "LOGIN") => string = (mech) => mech,
): SubmissionWay[] {
  const way = (
    port: number | undefined,
    implicit: boolean,
    mech: "PLAIN" | "LOGIN",
    name: string,
  ) => ({
    port: port as number,
    implicit,
    mech: spell(mech),
    subjects: [`${name} 1`, `${name} 2`],
  });
  return [
    way(ports.submission, false, "PLAIN", "starttls plain"),
    way(ports.submission, false, "LOGIN", "starttls login"),
    way(ports.submissions, true, "PLAIN", "implicit"),
  ];
}

/**
 * Runs a client `program` with `input` on its stdin (within the client
 * deadline); asserts it exits 0, showing its output if not; returns stdout.
 */
export async function runClient(
  program: string,
  args: string[],
  input: string,
  env: Record<string, string> = {},
): Promise<string> {
  const child = new Deno.Command(program, {
    args,
    env,
    signal: AbortSignal.timeout(CLIENT_DEADLINE_MS),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  const output = await child.output();
  const stdout = new TextDecoder().decode(output.stdout);
  assert.equal(output.code, 0, stdout + new TextDecoder().decode(output.stderr));
  return stdout;
}

/** A message in Unix line ends (the libraries send them as CRLF) with 8-bit text and dot lines. */
export function eightBitMessage(subject: string): string {
  return `From: Bob <bob@example.test>\nTo: carol@example.test\nSubject: ${subject}\n` +
    "Date: Fri, 27 Nov 2026 10:00:00 +0000\n" +
    `Message-ID: <${subject.replaceAll(" ", ".")}@example.test>\n` +
    "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n" +
    "Content-Transfer-Encoding: 8bit\n\n" +
    "Grüße aus Köln\n.\n..two dots\nFrom the start of a line\n. dot space\n\nlast line\n";
}

/** Waits for `mechs.length` logins in the log (written in batches) and checks their mechanisms. */
export async function assertLoginsLogged(server: Server, mechs: string[]): Promise<void> {
  const logins = () => [...server.log().matchAll(/event=auth\.ok .* mech=(\S+)/g)];
  await waitUntil(() => logins().length === mechs.length, 10_000, `${mechs.length} logins logged`);
  assert.deepEqual(logins().map((match) => match[1]), mechs);
}
