/**
 * fetchmail, a retrieval client nobody here wrote, against the real server
 * with the test CA checked (sslcertck): POP3 after STLS (UIDL, TOP, RETR,
 * DELE), IMAP after STARTTLS (SEARCH UNSEEN, FETCH, STORE, EXPUNGE) and
 * IMAP IDLE in daemon mode. Every message reaches the MDA once and byte
 * for byte, a second run finds nothing new (fetchmail's exit status 1),
 * and the server logs no warning. Skipped when fetchmail or openssl is not
 * installed (.ci/run installs fetchmail).
 */
import assert from "node:assert/strict";
import type { TestCertificates } from "./certs.ts";
import { waitUntil } from "./harness.ts";
import { deliver } from "./imap_helpers.ts";
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
import { sendWithSmtplib } from "./smtplib_send.ts";

const HAS_FETCHMAIL = canRun("fetchmail", ["--version"]);
const decoder = new TextDecoder();

/** fetchmail's own trace header, which it puts after the Return-Path. */
const FETCHMAIL_RECEIVED =
  /^Received: from [^\n]*\n\tby [^\n]*\(fetchmail-[^\n]*\n(?:\t[^\n]*\n)*/m;

/** A fetchmail run control for bob on `port`, delivering each message to a new file in `out`. */
function fetchmailrc(
  options: { protocol: "POP3" | "IMAP"; port: number; certs: TestCertificates; out: string },
  keywords: string,
): string {
  // UIDL tracking is a server option: it goes on the poll line.
  const uidl = options.protocol === "POP3" ? " uidl" : "";
  return [
    "set no bouncemail",
    `poll 127.0.0.1 with proto ${options.protocol} port ${options.port}${uidl}`,
    `  user "${BOB}" there with password "${PASSWORD}" is "bob" here`,
    `  ${keywords} no rewrite`,
    // fetchmail matches names only, not the IP address in the certificate.
    `  sslproto 'TLS1.2+' sslcertck sslcertfile "${options.certs.caFile}" sslcommonname localhost`,
    `  mda "cat > $(mktemp ${options.out}/msg.XXXXXX)"`,
    "",
  ].join("\n");
}

interface Run {
  code: number;
  /** Everything fetchmail said with -v: its protocol trace among it. */
  trace: string;
}

/** Runs fetchmail once in the foreground with `rc` (home `dir`). */
async function fetchmail(dir: string, rc: string, extra: string[] = []): Promise<Run> {
  const rcFile = `${dir}/fetchmailrc`;
  Deno.writeTextFileSync(rcFile, rc, { mode: 0o600 });
  Deno.chmodSync(rcFile, 0o600);
  const output = await new Deno.Command("fetchmail", {
    args: ["-f", rcFile, "--nodetach", "-v", ...extra],
    env: { HOME: dir, FETCHMAILHOME: dir },
    signal: AbortSignal.timeout(CLIENT_DEADLINE_MS),
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: output.code,
    trace: decoder.decode(output.stdout) + decoder.decode(output.stderr),
  };
}

/** The commands fetchmail sent, in order (passwords shown as *). */
function sent(run: Run, protocol: "POP3" | "IMAP"): string[] {
  return [...run.trace.matchAll(new RegExp(`^fetchmail: ${protocol}> (.*)$`, "gm"))].map((m) =>
    m[1]!
  );
}

/** A directory for fetched messages. */
function outDir(dir: string, name: string): string {
  const out = `${dir}/${name}`;
  Deno.mkdirSync(out);
  return out;
}

const stripFetchmail = (text: string) => text.replace(FETCHMAIL_RECEIVED, "");

function assertNoErrors(run: Run, protocol: "POP3" | "IMAP"): void {
  const replies = run.trace.split("\n").filter((line) =>
    line.startsWith(`fetchmail: ${protocol}<`)
  );
  const bad = protocol === "POP3" ? /< -ERR/ : /< \S+ (NO|BAD) /;
  assert.deepEqual(replies.filter((line) => bad.test(line)), [], run.trace);
}

Deno.test({
  name: "fetchmail over POP3 with STLS: keeps by UIDL, then RETR and DELE; reruns find nothing",
  ignore: !HAS_FETCHMAIL,
  fn: () =>
    withTlsServer(async ({ server, certs, dir }) => {
      const stored = await deliverMessages(server);
      const kept = outDir(dir, "kept");
      const keep = fetchmailrc(
        { protocol: "POP3", port: server.ports.pop3!, certs, out: kept },
        "keep",
      );
      const first = await fetchmail(dir, keep);
      assert.equal(first.code, 0, first.trace);
      assertNoErrors(first, "POP3");
      assert.ok(sent(first, "POP3").includes("STLS"));
      assert.ok(sent(first, "POP3").includes("UIDL"));
      // Kept mail is read with TOP n 99999999, which leaves it unseen on some servers.
      assert.ok(sent(first, "POP3").some((command) => /^TOP \d+ 99999999$/.test(command)));
      assertEachOnce(filesIn(kept), stored, stripFetchmail);
      assert.equal(bobsFiles(server).length, MESSAGES.length, "kept on the server");

      const again = await fetchmail(dir, keep);
      assert.equal(again.code, 1, `1 is "no mail": ${again.trace}`);
      assert.equal(filesIn(kept).length, MESSAGES.length);

      // Everything once more with RETR (fetchall), and deleted this time.
      const taken = outDir(dir, "taken");
      const take = fetchmailrc(
        { protocol: "POP3", port: server.ports.pop3!, certs, out: taken },
        "no keep",
      );
      const flush = await fetchmail(dir, take, ["--fetchall"]);
      assert.equal(flush.code, 0, flush.trace);
      assertNoErrors(flush, "POP3");
      const commands = sent(flush, "POP3");
      assert.equal(commands.filter((c) => c.startsWith("RETR ")).length, MESSAGES.length);
      assert.equal(commands.filter((c) => c.startsWith("DELE ")).length, MESSAGES.length);
      assertEachOnce(filesIn(taken), stored, stripFetchmail);
      assert.deepEqual(bobsFiles(server), []);

      const empty = await fetchmail(dir, take);
      assert.equal(empty.code, 1, empty.trace);
      assertQuietLog(server);
    }),
});

Deno.test({
  name: "fetchmail over IMAP with STARTTLS: \\Seen keeps track, then delete and expunge",
  ignore: !HAS_FETCHMAIL,
  fn: () =>
    withTlsServer(async ({ server, certs, dir }) => {
      const stored = await deliverMessages(server);
      const kept = outDir(dir, "kept");
      const options = { protocol: "IMAP" as const, port: server.ports.imap!, certs };
      const keep = fetchmailrc({ ...options, out: kept }, "keep");
      const first = await fetchmail(dir, keep);
      assert.equal(first.code, 0, first.trace);
      assertNoErrors(first, "IMAP");
      assert.match(sent(first, "IMAP")[0]!, /^A\d+ STARTTLS$/);
      assertEachOnce(filesIn(kept), stored, stripFetchmail);
      assert.equal(bobsFiles(server).filter((file) => /:2,S$/.test(file)).length, MESSAGES.length);

      const again = await fetchmail(dir, keep);
      assert.equal(again.code, 1, again.trace);

      // New mail only, and this time deleted.
      await deliver(server, [MESSAGES[0]!.replace("Subject: plain", "Subject: later")]);
      const taken = outDir(dir, "taken");
      const take = fetchmailrc({ ...options, out: taken }, "no keep");
      const second = await fetchmail(dir, take);
      assert.equal(second.code, 0, second.trace);
      assertNoErrors(second, "IMAP");
      const later = filesIn(taken);
      assert.equal(later.length, 1);
      assert.match(later[0]!, /^Subject: later$/m);
      assert.equal(bobsFiles(server).length, MESSAGES.length, "only the fetched one is expunged");

      const flush = await fetchmail(dir, take, ["--fetchall"]);
      assert.equal(flush.code, 0, flush.trace);
      assert.deepEqual(bobsFiles(server), []);
      assert.equal((await fetchmail(dir, take)).code, 1);
      assertQuietLog(server);
    }),
});

/** fetchmail as a daemon with IDLE, until `stop` resolves; returns its trace. */
async function idleDaemon(dir: string, rc: string, stop: Promise<void>): Promise<string> {
  const rcFile = `${dir}/fetchmailrc`;
  Deno.writeTextFileSync(rcFile, rc, { mode: 0o600 });
  Deno.chmodSync(rcFile, 0o600);
  const child = new Deno.Command("fetchmail", {
    args: ["-f", rcFile, "--nodetach", "-v", "--daemon", "600"],
    env: { HOME: dir, FETCHMAILHOME: dir },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = child.output();
  await stop.finally(() => child.kill("SIGTERM"));
  const done = await output;
  return decoder.decode(done.stdout) + decoder.decode(done.stderr);
}

Deno.test({
  name: "fetchmail in IMAP IDLE picks up mail delivered while it waits, once",
  ignore: !HAS_FETCHMAIL,
  fn: () =>
    withTlsServer(async ({ server, certs, dir }) => {
      await deliverMessages(server);
      const out = outDir(dir, "out");
      const rc = fetchmailrc(
        { protocol: "IMAP", port: server.ports.imap!, certs, out },
        "no keep idle",
      );
      let stop = () => {};
      const daemon = idleDaemon(dir, rc, new Promise<void>((resolve) => (stop = resolve)));
      let trace = "";
      try {
        await waitUntil(() => filesIn(out).length === MESSAGES.length, 20_000, "the first poll");
        await waitUntil(() => bobsFiles(server).length === 0, 10_000, "the first expunge");
        // Not deliver(): fetchmail may take the mail before it could be counted on disk.
        await sendWithSmtplib({
          port: server.ports.smtp!,
          from: "alice@remote.test",
          rcpts: [BOB],
          messages: [MESSAGES[1]!, MESSAGES[0]!],
        });
        await waitUntil(() => filesIn(out).length === MESSAGES.length + 2, 20_000, "IDLE's news");
        await waitUntil(() => bobsFiles(server).length === 0, 10_000, "the second expunge");
      } finally {
        stop();
        trace = await daemon;
      }
      assert.match(trace, /^fetchmail: IMAP> A\d+ IDLE$/m, trace);
      const subjects = (texts: readonly string[]) =>
        texts.map((text) => text.match(/^Subject: (.*)$/m)?.[1]).sort();
      assert.deepEqual(
        subjects(filesIn(out)),
        subjects([...MESSAGES, MESSAGES[1]!, MESSAGES[0]!].map((m) => m.replaceAll("\r", ""))),
      );
      assertQuietLog(server);
    }),
});
