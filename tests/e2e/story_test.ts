/**
 * The story Pillarbox exists for, on the wire between two instances: Alice
 * at alpha.test submits (STARTTLS, AUTH) to A; A delivers Carol locally and
 * relays Bob's copy to B (found by MX in a fake DNS); Bob reads it over POP3
 * and IMAP. Then B goes down and comes back (A queues and retries), A reuses
 * connections, and a deleted account at B bounces back to Alice.
 */
import assert from "node:assert/strict";
import { HAS_OPENSSL, makeTestCertificates } from "./certs.ts";
import { startFakeDns } from "./fake_dns.ts";
import { maildirFiles, runCli, type Server, startServer, tempDir, waitUntil } from "./harness.ts";
import { RawClient } from "./raw_client.ts";
import { fieldNames, freePort, readMailbox, submit } from "./story_helpers.ts";
import { sendCopies } from "./outbound_helpers.ts";

const ALICE = { user: "alice@alpha.test", password: "alice pw" };
const BOB = { user: "bob@beta.test", password: "bob pw" };

/** Messages in a Maildir, read (cur/) or not (new/). */
function mailCount(spoolDir: string, account: string): number {
  return maildirFiles(spoolDir, account).length + maildirFiles(spoolDir, account, "cur").length;
}

/** The connection ids (cid) of the SMTP sessions that queued the last `count` messages. */
function sessionsOfLastMessages(server: Server, count: number): Set<string> {
  const lines = server.log().split("\n").filter((line) => /event=msg\.queued .*cid=/.test(line));
  assert.ok(lines.length >= count, `${lines.length} messages queued`);
  return new Set(lines.slice(-count).map((line) => /cid=(\S+)/.exec(line)![1]!));
}

/** Waits until B's SMTP refuses `rcpt` at RCPT (its users file reloaded), with a deadline. */
async function waitForRcptRefusal(port: number, rcpt: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = await RawClient.connect(port);
    await client.reply();
    await client.command("EHLO probe.test");
    await client.command("MAIL FROM:<>");
    const reply = await client.command(`RCPT TO:<${rcpt}>`);
    client.close();
    if (reply.startsWith("550")) return;
    if (Date.now() > deadline) throw new Error(`B still accepts ${rcpt}: ${reply}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

Deno.test({
  name: "Alice at A writes to Bob at B and Carol at A: relayed over SMTP, read over POP3 and IMAP",
  ignore: !HAS_OPENSSL,
  fn: async () => {
    const dir = tempDir("pillarbox-story-");
    const certs = await makeTestCertificates(dir);
    const tlsFlags = [`--tls-cert=${certs.certFile}`, `--tls-key=${certs.keyFile}`];
    const dns = await startFakeDns({
      "beta.test": { mx: [{ preference: 10, exchange: "mx.beta.test" }] },
      "mx.beta.test": { a: ["127.0.0.1"] },
    });
    const bFlags = ["--domains=beta.test", "--hostname=mx.beta.test", ...tlsFlags];
    let b = await startServer({ users: { [BOB.user]: BOB.password }, flags: bFlags });
    const bSmtpPort = b.ports.smtp!;
    const a = await startServer({
      users: { [ALICE.user]: ALICE.password, "carol@alpha.test": "carol pw" },
      flags: [
        "--domains=alpha.test",
        "--hostname=mx.alpha.test",
        ...tlsFlags,
        `--dns-server=127.0.0.1:${dns.port}`,
        `--remote-smtp-port=${bSmtpPort}`,
        "--retry-min=1s",
      ],
    });
    const alice = { ...ALICE, port: a.ports.submission!, caFile: certs.caFile, dir };
    try {
      // 1. One transaction, two recipients: Carol local at A, Bob relayed to B.
      const original = "From: Alice <alice@alpha.test>\r\nTo: bob@beta.test, carol@alpha.test\r\n" +
        "Subject: the story #N#\r\nDate: Mon, 01 Jan 2024 12:00:00 +0000\r\n" +
        "Message-ID: <story-1@alpha.test>\r\n\r\nHello Bob and Carol,\r\n" +
        ".a line that starts with a dot\r\n..and one with two\r\n\r\nAlice\r\n";
      await submit(alice, { rcpts: [BOB.user, "carol@alpha.test"], body: original });
      await waitUntil(() => mailCount(b.spoolDir, BOB.user) === 1, 10_000, "Bob's copy at B");
      await waitUntil(() => mailCount(a.spoolDir, "carol@alpha.test") === 1, 10_000, "Carol's");
      const sent = original.replace("#N#", "0");
      const read = await readMailbox({ pop3: b.ports.pop3!, imap: b.ports.imap! }, {
        ...BOB,
        caFile: certs.caFile,
      });
      assert.equal(read.pop.length, 1);
      assert.equal(read.imap[0], read.pop[0], "POP3 and IMAP give the same bytes");
      const bobs = read.pop[0]!;
      assert.ok(bobs.endsWith(sent), "what Alice sent, byte for byte, after the trace");
      const trace = bobs.slice(0, bobs.length - sent.length);
      assert.deepEqual(fieldNames(trace), ["Return-Path", "Received", "Received"]);
      const [, byB, byA] = trace.split(/\r\n(?=Received:)/);
      assert.match(trace, /^Return-Path: <alice@alpha\.test>\r\n/);
      assert.match(byB!, /^Received: from mx\.alpha\.test \(\[127\.0\.0\.1\]\)\r\n/);
      assert.match(byB!, /\tby mx\.beta\.test \(Pillarbox\) with ESMTPS id /);
      assert.match(byB!, /\tfor <bob@beta\.test>; /);
      assert.match(byA!, /^Received: from alice-laptop\.test \(\[127\.0\.0\.1\]\)\r\n/);
      assert.match(byA!, /\tby mx\.alpha\.test \(Pillarbox\) with ESMTPSA id /);
      assert.match(byA!, /\t\(authenticated as alice@alpha\.test\)/);
      const carols = await Deno.readTextFile(maildirFiles(a.spoolDir, "carol@alpha.test")[0]!);
      assert.equal(carols, `Return-Path: <alice@alpha.test>\r\n${byA}${sent}`, "A's trace only");
      await a.waitForLog(/event=smtp\.connected .*hop=mx:beta\.test .*tls=TLSv1\.[23]/);
      assert.deepEqual(dns.questions.filter((q) => q.startsWith("MX")), ["MX beta.test"]);

      // 2. B is down: A queues and retries; B comes back on the same spool and port.
      await b.stop();
      await submit(alice, { rcpts: [BOB.user], body: original.replace("#N#", "while B was down") });
      await a.waitForLog(/event=msg\.deferred .*rcpt=bob@beta\.test/);
      b = await startServer({
        spoolDir: b.spoolDir,
        flags: [...bFlags, `--smtp-listen=127.0.0.1:${bSmtpPort}`],
      });
      await waitUntil(() => mailCount(b.spoolDir, BOB.user) === 2, 15_000, "the retried copy");

      // 3. One connection carries several messages.
      await submit(alice, { rcpts: [BOB.user], body: original, count: 10 });
      await waitUntil(() => mailCount(b.spoolDir, BOB.user) === 12, 15_000, "ten more at B");
      // A mailbox file can appear a moment before its msg.queued line is logged. The
      // restarted B has logged the retried copy and these ten.
      await waitUntil(
        () => (b.log().match(/event=msg\.queued .*cid=/g)?.length ?? 0) >= 11,
        15_000,
        "B's msg.queued lines",
      );
      const used = sessionsOfLastMessages(b, 10).size;
      assert.ok(used < 10, `10 messages over ${used} connections`);

      // 4. Bob's account is deleted at B: the next message bounces back to Alice at A.
      const deleted = await runCli(["user", "del", BOB.user, `--spool-dir=${b.spoolDir}`]);
      assert.equal(deleted.code, 0, deleted.stderr);
      await waitForRcptRefusal(bSmtpPort, BOB.user);
      await submit(alice, { rcpts: [BOB.user], body: original.replace("#N#", "to nobody") });
      await waitUntil(() => mailCount(a.spoolDir, ALICE.user) === 1, 15_000, "the bounce at A");
      const dsn = await Deno.readTextFile(maildirFiles(a.spoolDir, ALICE.user)[0]!);
      assert.match(dsn, /^Return-Path: <>\r\n/);
      assert.match(dsn, /Content-Type: multipart\/report; report-type=delivery-status/);
      assert.match(dsn, /\r\nFinal-Recipient: rfc822; ?bob@beta\.test\r\n/);
      assert.match(dsn, /\r\nAction: failed\r\n/);
      assert.match(dsn, /\r\nStatus: 5\.1\.1\r\n/);
      // RFC 3464 2.3.5: a host name after "dns;", without the address.
      assert.match(dsn, /\r\nRemote-MTA: dns; mx\.beta\.test\r\n/);
      assert.match(dsn, /\r\nDiagnostic-Code: smtp; 550 5\.1\.1 /);
      assert.match(dsn, /Subject: the story to nobody/);
    } finally {
      await a.stop();
      await b.stop();
      await dns.close();
    }
  },
});

/**
 * A and B routing each other's domain, B started first so A can be given B's
 * port. A's port is picked free beforehand; if something else took it
 * meanwhile, A cannot bind it and the pair is started again with another.
 */
async function startLoopingPair(): Promise<{ a: Server; b: Server; aPort: number }> {
  for (let attempt = 1;; attempt++) {
    const aPort = freePort();
    const b = await startServer({
      aliases: "loop@beta.test: loop@alpha.test\n",
      flags: [
        "--domains=beta.test",
        "--hostname=mx.beta.test",
        `--route=alpha.test=127.0.0.1:${aPort}`,
      ],
    });
    try {
      const a = await startServer({
        users: { [ALICE.user]: ALICE.password },
        aliases: "loop@alpha.test: loop@beta.test\n",
        flags: [
          "--domains=alpha.test",
          "--hostname=mx.alpha.test",
          `--smtp-listen=127.0.0.1:${aPort}`,
          `--route=beta.test=127.0.0.1:${b.ports.smtp}`,
        ],
      });
      return { a, b, aPort };
    } catch (error) {
      await b.stop();
      if (attempt === 3) throw error;
    }
  }
}

Deno.test("a message looping between A and B through aliases stops at the hop limit with a bounce", async () => {
  const { a, b, aPort } = await startLoopingPair();
  try {
    await sendCopies({
      port: aPort,
      from: ALICE.user,
      rcpts: ["loop@alpha.test"],
      body: "From: alice@alpha.test\r\nTo: loop@alpha.test\r\nSubject: round trip\r\n\r\nhi\r\n",
    });
    await waitUntil(() => mailCount(a.spoolDir, ALICE.user) === 1, 30_000, "the loop's bounce");
    const dsn = await Deno.readTextFile(maildirFiles(a.spoolDir, ALICE.user)[0]!);
    assert.match(dsn, /\r\nStatus: 5\.4\.6\r\n/);
    assert.match(dsn, /\r\nDiagnostic-Code: smtp; 554 5\.4\.6 Too many Received headers/);
    const refusalCount = () =>
      [a, b].map((s) => s.log().match(/event=smtp\.data_refused .*reason=mail-loop/g)?.length ?? 0)
        .reduce((x, y) => x + y, 0);
    await waitUntil(() => refusalCount() >= 1, 15_000, "the loop refusal's log line");
    const refusals = [a, b].map((s) =>
      s.log().match(/event=smtp\.data_refused .*code=554 reason=mail-loop received=101/g)?.length ??
        0
    );
    assert.equal(refusals[0]! + refusals[1]!, 1, "refused once, at the hop limit");
    // Nothing keeps circulating: both queues drain.
    for (const server of [a, b]) {
      await waitUntil(() => queueIsEmpty(server.spoolDir), 10_000, "empty queue");
    }
  } finally {
    await a.stop();
    await b.stop();
  }
});

function queueIsEmpty(spoolDir: string): boolean {
  try {
    return [...Deno.readDirSync(`${spoolDir}/queue/msg`)].length === 0;
  } catch {
    return true;
  }
}
