/**
 * msmtp, the sendmail-like SMTP client nobody here wrote, submitting to the
 * real server with the test CA checked: STARTTLS on the submission port
 * with AUTH PLAIN and with AUTH LOGIN, implicit TLS on the submissions
 * port, and `msmtp -t` taking its recipients (Bcc too) from the header.
 * The message is stored byte for byte after our trace headers, with the
 * envelope sender as Return-Path. Skipped when msmtp or openssl is not
 * installed (.ci/run installs msmtp).
 */
import assert from "node:assert/strict";
import { HAS_OPENSSL, makeTestCertificates, type TestCertificates } from "./certs.ts";
import { maildirFiles, type Server, startServer, tempDir, waitUntil } from "./harness.ts";
import { hasProgram } from "./tmux.ts";

const HAS_MSMTP = HAS_OPENSSL && hasProgram("msmtp", ["--version"]);
const decoder = new TextDecoder();
/** A client still running after this has hung: it is ended, and the test fails. */
const CLIENT_DEADLINE_MS = 30_000;
const USERS = {
  "bob@example.test": "pw-bob",
  "alice@other.test": "pw-alice",
  "carol@example.test": "pw-carol",
};

/** A message msmtp passes on untouched: it has Date and Message-ID already. */
function message(subject: string, to: string, extra = ""): string {
  return `From: Bob <bob@example.test>\nTo: ${to}\n${extra}Subject: ${subject}\n` +
    `Date: Fri, 27 Nov 2026 10:00:00 +0000\nMessage-ID: <${subject}@example.test>\n` +
    "Content-Type: text/plain; charset=utf-8\n\n" +
    "Grüße\n.\n..\nFrom the start\n. dot\n\nlast line\n";
}

interface Account {
  port: number;
  /** STARTTLS (true) or TLS from the first byte (false). */
  starttls: boolean;
  auth: "plain" | "login";
}

/** Runs msmtp with a config for `account` and `args`, `input` on stdin. */
async function msmtp(
  dir: string,
  certs: TestCertificates,
  account: Account,
  args: string[],
  input: string,
): Promise<void> {
  const config = `${dir}/msmtprc`;
  Deno.writeTextFileSync(
    config,
    [
      "account pillarbox",
      "host 127.0.0.1",
      `port ${account.port}`,
      "tls on",
      `tls_starttls ${account.starttls ? "on" : "off"}`,
      `tls_trust_file ${certs.caFile}`,
      `auth ${account.auth}`,
      "user bob@example.test",
      "password pw-bob",
      "account default : pillarbox",
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  Deno.chmodSync(config, 0o600);
  const child = new Deno.Command("msmtp", {
    args: [`--file=${config}`, ...args],
    env: { HOME: dir },
    signal: AbortSignal.timeout(CLIENT_DEADLINE_MS),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  const output = await child.output();
  const said = decoder.decode(output.stdout) + decoder.decode(output.stderr);
  assert.equal(output.code, 0, said);
}

async function withServer(
  test: (server: Server, certs: TestCertificates, dir: string) => Promise<void>,
) {
  const dir = tempDir("pillarbox-msmtp-");
  const certs = await makeTestCertificates(dir);
  const server = await startServer({
    users: USERS,
    flags: [
      "--submissions-listen=127.0.0.1:0",
      `--tls-cert=${certs.certFile}`,
      `--tls-key=${certs.keyFile}`,
    ],
  });
  try {
    await test(server, certs, dir);
  } finally {
    await server.stop();
  }
}

/** Waits for `count` messages in `account`'s new/ and returns their text. */
async function stored(server: Server, account: string, count: number): Promise<string[]> {
  await waitUntil(() => maildirFiles(server.spoolDir, account).length === count);
  return maildirFiles(server.spoolDir, account).map((file) => Deno.readTextFileSync(file));
}

/** Asserts `text` is our Return-Path and Received, then `sent` byte for byte (CRLF). */
function assertStoredAsSent(text: string, sent: string, returnPath: string): void {
  const wire = sent.replaceAll("\n", "\r\n");
  assert.ok(text.endsWith(wire), text);
  const trace = text.slice(0, text.length - wire.length);
  assert.match(
    trace,
    new RegExp(
      `^Return-Path: <${returnPath}>\\r\\nReceived: from [^\\r]*\\r\\n(?:\\t[^\\r]*\\r\\n)+$`,
    ),
  );
  assert.match(trace, /with ESMTPSA id .*\(authenticated as bob@example\.test\)/s);
}

Deno.test({
  name: "msmtp submits with STARTTLS and AUTH PLAIN or LOGIN, and over implicit TLS",
  ignore: !HAS_MSMTP,
  fn: () =>
    withServer(async (server, certs, dir) => {
      const accounts: [string, Account][] = [
        ["starttls-plain", { port: server.ports.submission!, starttls: true, auth: "plain" }],
        ["starttls-login", { port: server.ports.submission!, starttls: true, auth: "login" }],
        ["implicit-plain", { port: server.ports.submissions!, starttls: false, auth: "plain" }],
      ];
      for (const [i, [name, account]] of accounts.entries()) {
        const sent = message(name, "bob@example.test");
        await msmtp(dir, certs, account, ["--from=bob@example.test", "bob@example.test"], sent);
        const texts = await stored(server, "bob@example.test", i + 1);
        const text = texts.find((t) => t.includes(`Subject: ${name}\r\n`));
        assert.ok(text, name);
        assertStoredAsSent(text, sent, "bob@example.test");
      }
      assert.doesNotMatch(server.log(), /level=(warn|error)/);
    }),
});

Deno.test({
  name: "msmtp -t: recipients from To, Cc and Bcc, envelope sender from From, Bcc not stored",
  ignore: !HAS_MSMTP,
  fn: () =>
    withServer(async (server, certs, dir) => {
      const sent = message("headers", '"Alice, A." <alice@other.test>', "Cc: bob@example.test\n");
      const account = { port: server.ports.submission!, starttls: true, auth: "plain" } as const;
      // msmtp removes Bcc itself: the line never reaches the server.
      await msmtp(
        dir,
        certs,
        account,
        ["-t", "--read-envelope-from"],
        sent.replace("Subject:", "Bcc: carol@example.test\nSubject:"),
      );
      for (const account of ["alice@other.test", "bob@example.test", "carol@example.test"]) {
        const [text, ...more] = await stored(server, account, 1);
        assert.deepEqual(more, []);
        assertStoredAsSent(text!, sent, "bob@example.test");
      }
      assert.doesNotMatch(server.log(), /level=(warn|error)/);
    }),
});
