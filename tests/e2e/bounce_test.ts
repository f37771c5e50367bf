/**
 * Bounces through the real server: a permanent failure and a lifetime
 * expiry give an RFC 3464 DSN in the local sender's mailbox (parsed by
 * Python's email package); `<>` is never bounced; one delay notice.
 */
import assert from "node:assert/strict";
import { parseDsn } from "./dsn_parse.ts";
import { maildirFiles, python, runCli, startServer, tempDir, waitUntil } from "./harness.ts";
import { sendWithSmtplib } from "./smtplib_send.ts";

/** Sends one short message from `sender` ("" = `<>`) to `rcpt` with `subject`. */
async function send(
  port: number,
  { sender, rcpt, subject }: { sender: string; rcpt: string; subject: string },
): Promise<void> {
  const from = sender || "MAILER-DAEMON@x.test";
  const message = `From: ${from}\r\nTo: ${rcpt}\r\nSubject: ${subject}\r\n\r\nhello\r\n`;
  await sendWithSmtplib({ port, from: sender, rcpts: [rcpt], messages: [message] });
}

/**
 * A spool where alice@example.test has an account and, queued by `sendmail`
 * while no server runs, `message` from her to ghost@example.test, no account.
 */
async function queuedForGhost(message: string): Promise<string> {
  const spoolDir = tempDir();
  const common = [`--spool-dir=${spoolDir}`, "--domains=example.test", "--hostname=mx.test"];
  const added = await runCli(["user", "add", "alice@example.test", ...common], { stdin: "pw\n" });
  assert.equal(added.code, 0, added.stderr);
  const sent = await runCli(
    ["sendmail", "-f", "alice@example.test", "ghost@example.test", ...common],
    { stdin: message },
  );
  assert.equal(sent.code, 0, sent.stderr);
  return spoolDir;
}

const RFC5322_DATE = /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/;

Deno.test("a recipient that is no account at delivery time bounces 5.1.1 to the sender", async () => {
  const spoolDir = await queuedForGhost(
    "Subject: to nobody\nMessage-ID: <orig-1@example.test>\n\nhello\n",
  );
  const server = await startServer({ spoolDir });
  try {
    await waitUntil(() => maildirFiles(spoolDir, "alice@example.test").length === 1, 10_000, "DSN");
    const dsn = await parseDsn(maildirFiles(spoolDir, "alice@example.test")[0]!);
    assert.equal(dsn.type, "multipart/report");
    assert.equal(dsn.reportType, "delivery-status");
    assert.deepEqual(dsn.parts, ["text/plain", "message/delivery-status", "text/rfc822-headers"]);
    assert.equal(dsn.returnPath, "<>");
    assert.equal(dsn.to, "<alice@example.test>");
    assert.match(dsn.from, /MAILER-DAEMON@mx\.test/);
    assert.match(dsn.text, /could not be delivered[\s\S]*<ghost@example\.test>: 550 5\.1\.1/);
    assert.equal(dsn.perMessage["Reporting-MTA"], "dns; mx.test");
    assert.match(dsn.perMessage["Arrival-Date"]!, RFC5322_DATE);
    assert.equal(dsn.perRecipient.length, 1);
    const rcpt = dsn.perRecipient[0]!;
    assert.equal(rcpt["Final-Recipient"], "rfc822; ghost@example.test");
    assert.equal(rcpt["Action"], "failed");
    assert.equal(rcpt["Status"], "5.1.1");
    assert.match(rcpt["Diagnostic-Code"]!, /^smtp; 550 5\.1\.1 /);
    assert.match(rcpt["Last-Attempt-Date"]!, RFC5322_DATE);
    assert.match(dsn.headers, /^Message-ID: <orig-1@example\.test>$/m);
    assert.match(dsn.headers, /^Subject: to nobody$/m);
    await waitUntil(
      () => [...Deno.readDirSync(`${spoolDir}/queue/msg`)].length === 0,
      15_000,
      "empty queue",
    );
    assert.equal([...Deno.readDirSync(`${spoolDir}/queue/state`)].length, 0);
  } finally {
    await server.stop();
  }
});

Deno.test("a notice names the original in In-Reply-To and References (RFC 3834 3.1.6)", async () => {
  const spoolDir = await queuedForGhost(
    "Subject: a reply to a thread\nMessage-ID: <orig-2@example.test>\n" +
      "In-Reply-To: <parent@example.test>\n" +
      "References: <root@example.test>\n <parent@example.test>\n\nhello\n",
  );
  const server = await startServer({ spoolDir });
  try {
    await waitUntil(() => maildirFiles(spoolDir, "alice@example.test").length === 1, 10_000, "DSN");
    const fields = JSON.parse(
      await python(
        `
import email, json, sys
msg = email.message_from_bytes(open(sys.argv[1], "rb").read())
print(json.dumps({"inReplyTo": msg["In-Reply-To"], "references": " ".join((msg["References"] or "").split())}))
`,
        [maildirFiles(spoolDir, "alice@example.test")[0]!],
      ),
    ) as { inReplyTo: string | null; references: string };
    assert.equal(fields.inReplyTo, "<orig-2@example.test>");
    assert.equal(
      fields.references,
      "<root@example.test> <parent@example.test> <orig-2@example.test>",
    );
  } finally {
    await server.stop();
  }
});

/** remote.test's only next hop refuses connections: its mail stays queued (transient). */
const HOLD_REMOTE = "--route=remote.test=127.0.0.1:9";

Deno.test("a message that outlives --queue-lifetime bounces with Action failed and 4.4.7", async () => {
  const server = await startServer({
    users: { "alice@example.test": "pw" },
    flags: [
      "--queue-lifetime=2s",
      "--retry-min=1s",
      "--retry-interval=1s",
      "--delay-warning=0",
      HOLD_REMOTE,
    ],
  });
  try {
    await send(server.ports.smtp!, {
      sender: "alice@example.test",
      rcpt: "bob@remote.test",
      subject: "held",
    });
    await waitUntil(
      () => maildirFiles(server.spoolDir, "alice@example.test").length === 1,
      10_000,
      "expiry DSN",
    );
    const dsn = await parseDsn(maildirFiles(server.spoolDir, "alice@example.test")[0]!);
    const rcpt = dsn.perRecipient[0]!;
    assert.equal(rcpt["Final-Recipient"], "rfc822; bob@remote.test");
    assert.equal(rcpt["Action"], "failed");
    assert.equal(rcpt["Status"], "4.4.7");
    assert.match(
      rcpt["Diagnostic-Code"]!,
      /^X-Pillarbox; Cannot connect to 127\.0\.0\.1:9: Connection refused/,
    );
    assert.match(dsn.text, /expired/);
    assert.match(dsn.headers, /^Subject: held$/m);
    await server.waitForLog(/event=msg\.expired .*rcpt=bob@remote\.test status=4\.4\.7/);
  } finally {
    await server.stop();
  }
});

Deno.test("mail from <> is never bounced: failed bounces go to failed/ with a reason", async () => {
  const server = await startServer({
    flags: [
      "--queue-lifetime=2s",
      "--retry-min=1s",
      "--retry-interval=1s",
      "--delay-warning=0",
      HOLD_REMOTE,
    ],
  });
  const failed = `${server.spoolDir}/failed`;
  const messagesIn = () => {
    try {
      return [...Deno.readDirSync(failed)].map((e) => e.name).filter((n) => !n.endsWith(".reason"));
    } catch {
      return [];
    }
  };
  try {
    // One message from <>, and one from a remote sender whose bounce cannot be delivered either.
    await send(server.ports.smtp!, { sender: "", rcpt: "x@remote.test", subject: "from null" });
    await send(server.ports.smtp!, {
      sender: "carol@remote.test",
      rcpt: "y@remote.test",
      subject: "from carol",
    });
    await waitUntil(() => messagesIn().length === 2, 15_000, "two messages in failed/");
    await waitUntil(
      () => [...Deno.readDirSync(`${server.spoolDir}/queue/msg`)].length === 0,
      15_000,
      "empty queue",
    );
    const kept = messagesIn().map((name) => Deno.readTextFileSync(`${failed}/${name}`));
    for (const text of kept) assert.match(text, /^PBQ1 \{[^\n]*"from":""/);
    assert.equal(kept.filter((text) => /Subject: from null/.test(text)).length, 1);
    const dsn = kept.find((text) => /report-type=delivery-status/.test(text));
    assert.ok(dsn, "the bounce to carol is kept");
    assert.match(dsn, /Final-Recipient: rfc822; y@remote\.test/);
    for (const name of messagesIn()) {
      assert.match(Deno.readTextFileSync(`${failed}/${name}.reason`), /null sender/);
    }
    await server.waitForLog(/event=msg\.bounced /); // the log pipe may lag the mailbox
    assert.equal(
      server.log().match(/event=msg\.bounced /g)?.length,
      1,
      "only carol's message bounced",
    );
  } finally {
    await server.stop();
  }
});

Deno.test("one delay notice is sent after --delay-warning, and only one", async () => {
  const server = await startServer({
    users: { "alice@example.test": "pw" },
    flags: [
      "--delay-warning=1s",
      "--retry-min=1s",
      "--retry-interval=1s",
      "--queue-lifetime=1h",
      HOLD_REMOTE,
    ],
  });
  try {
    await send(server.ports.smtp!, {
      sender: "alice@example.test",
      rcpt: "bob@remote.test",
      subject: "slow",
    });
    await server.waitForLog(/event=msg\.delay_notice /, 10_000);
    await server.waitForLog(/event=msg\.deferred .*attempts=5/, 15_000);
    await waitUntil(
      () => maildirFiles(server.spoolDir, "alice@example.test").length >= 1,
      15_000,
      "delay notice delivered",
    );
    const files = maildirFiles(server.spoolDir, "alice@example.test");
    assert.equal(files.length, 1, "exactly one notice after five attempts");
    const dsn = await parseDsn(files[0]!);
    assert.match(dsn.subject, /Delayed/);
    const rcpt = dsn.perRecipient[0]!;
    assert.equal(rcpt["Action"], "delayed");
    assert.equal(rcpt["Status"], "4.4.1", "no answer from the next hop");
    assert.match(rcpt["Will-Retry-Until"]!, RFC5322_DATE);
    const [stateFile] = [...Deno.readDirSync(`${server.spoolDir}/queue/state`)];
    const state = JSON.parse(
      Deno.readTextFileSync(`${server.spoolDir}/queue/state/${stateFile!.name}`),
    );
    assert.equal(state.isDelayNoticeSent, true);
  } finally {
    await server.stop();
  }
});

Deno.test("a bounce to a sender address that is an alias reaches the alias's account", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw" },
    aliases: "info@example.test: bob@example.test\n",
  });
  const failed = `${server.spoolDir}/failed`;
  const keptFailed = () => {
    try {
      return [...Deno.readDirSync(failed)].filter((e) => !e.name.endsWith(".reason")).length;
    } catch {
      return 0;
    }
  };
  try {
    // Bob sends as his alias (ownsAddress allows it) to an address that is no account.
    const sent = await runCli([
      "sendmail",
      "-f",
      "info@example.test",
      "ghost@example.test",
      `--spool-dir=${server.spoolDir}`,
      "--domains=example.test,other.test",
      "--hostname=mx.test",
    ], { stdin: "Subject: from the alias\n\nhello\n" });
    assert.equal(sent.code, 0, sent.stderr);
    await waitUntil(
      () => maildirFiles(server.spoolDir, "bob@example.test").length + keptFailed() > 0,
      15_000,
      "the bounce delivered or kept",
    );
    assert.equal(keptFailed(), 0, "the bounce is not kept undeliverable in failed/");
    const dsn = await parseDsn(maildirFiles(server.spoolDir, "bob@example.test")[0]!);
    assert.equal(dsn.to, "<info@example.test>");
    assert.equal(dsn.perRecipient[0]!["Final-Recipient"], "rfc822; ghost@example.test");
  } finally {
    await server.stop();
  }
});

Deno.test("an alias target that does not exist bounces to the sender; the alias's other targets get the mail", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw", "carol@example.test": "pw" },
    aliases: "team@example.test: bob@example.test, gone@example.test\n",
  });
  try {
    await send(server.ports.smtp!, {
      sender: "carol@example.test",
      rcpt: "team@example.test",
      subject: "to the team",
    });
    await waitUntil(() => maildirFiles(server.spoolDir, "bob@example.test").length === 1);
    await waitUntil(
      () => [...Deno.readDirSync(`${server.spoolDir}/queue/msg`)].length === 0,
      15_000,
      "empty queue",
    );
    const files = maildirFiles(server.spoolDir, "carol@example.test");
    assert.equal(files.length, 1, "carol is told that gone@ got nothing");
    const dsn = await parseDsn(files[0]!);
    assert.equal(dsn.perRecipient.length, 1);
    assert.equal(dsn.perRecipient[0]!["Final-Recipient"], "rfc822; gone@example.test");
    assert.equal(dsn.perRecipient[0]!["Status"], "5.1.1");
    assert.match(dsn.headers, /^Subject: to the team$/m);
  } finally {
    await server.stop();
  }
});

Deno.test("an alias target whose aliases only loop back bounces to the sender; the alias's other targets get the mail", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw", "carol@example.test": "pw" },
    aliases: "team@example.test: bob@example.test, ring1@example.test\n" +
      "ring1@example.test: ring2@example.test\nring2@example.test: ring1@example.test\n",
  });
  try {
    await send(server.ports.smtp!, {
      sender: "carol@example.test",
      rcpt: "team@example.test",
      subject: "to the team",
    });
    await waitUntil(() => maildirFiles(server.spoolDir, "bob@example.test").length === 1);
    await waitUntil(
      () => maildirFiles(server.spoolDir, "carol@example.test").length === 1,
      15_000,
      "carol is told that the ring got nothing",
    );
    const dsn = await parseDsn(maildirFiles(server.spoolDir, "carol@example.test")[0]!);
    assert.deepEqual(
      dsn.perRecipient.map((block) => [block["Final-Recipient"], block["Status"]]),
      [["rfc822; ring1@example.test", "5.1.1"]],
    );
  } finally {
    await server.stop();
  }
});
