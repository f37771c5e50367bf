/**
 * The DSN extension end to end (RFC 3461 5, 6): what each recipient's
 * NOTIFY asks for is what the sender hears, RET chooses the returned part,
 * ENVID and ORCPT come back as Original-Envelope-Id and Original-Recipient,
 * aliases are reported as RFC 3461 5.2.7 says, `<>` never hears anything.
 * Sent with Python's smtplib and raw sessions, read with Python's email
 * package from the sender's mailbox.
 */
import assert from "node:assert/strict";
import { type ParsedDsn, parseDsn } from "./dsn_parse.ts";
import { maildirFiles, runCli, type Server, startServer, tempDir, waitUntil } from "./harness.ts";
import { expectNext, expectReply, mailboxTexts, openSession } from "./smtp_dialog.ts";
import { sendWithSmtplib } from "./smtplib_send.ts";
import { startSink } from "./smtp_sink.ts";
import { hasProgram } from "./tmux.ts";

const ALICE = "alice@example.test";

/** The notices in alice's mailbox once there are `count`, parsed, in no particular order. */
async function noticesFor(server: Server, count: number, account = ALICE): Promise<ParsedDsn[]> {
  await waitUntil(
    () => maildirFiles(server.spoolDir, account).length >= count,
    15_000,
    `${count} notice(s) for ${account}`,
  );
  const files = maildirFiles(server.spoolDir, account);
  assert.equal(files.length, count, "no more notices than expected");
  return await Promise.all(files.map((file) => parseDsn(file)));
}

/** One raw transaction: MAIL with `mail` parameters, each RCPT line's rest as given. */
async function sendRaw(
  port: number,
  options: { from?: string; mail?: string; rcpts: string[]; subject: string },
): Promise<void> {
  const client = await openSession(port);
  try {
    const params = options.mail ? ` ${options.mail}` : "";
    await expectReply(client, `MAIL FROM:<${options.from ?? ALICE}>${params}`, /^250 /);
    for (const rcpt of options.rcpts) await expectReply(client, `RCPT TO:${rcpt}`, /^250 /);
    await expectReply(client, "DATA", /^354 /);
    await client.send(
      `From: ${ALICE}\r\nSubject: ${options.subject}\r\nMessage-ID: <${options.subject}@example.test>` +
        `\r\n\r\nbody of ${options.subject}\r\n.\r\n`,
    );
    await expectNext(client, /^250 2\.0\.0 /);
  } finally {
    client.close();
  }
}

function byFinal(dsn: ParsedDsn): Record<string, Record<string, string>> {
  return Object.fromEntries(
    dsn.perRecipient.map((block) => [block["Final-Recipient"]!.replace(/^rfc822; /, ""), block]),
  );
}

Deno.test("NOTIFY=SUCCESS on local delivery gives a 'delivered' notice with ENVID and ORCPT (smtplib)", async () => {
  const server = await startServer({ users: { [ALICE]: "pw", "bob@example.test": "pw" } });
  try {
    const message = (subject: string) =>
      `From: ${ALICE}\r\nTo: bob@example.test\r\nSubject: ${subject}\r\n\r\nhello\r\n`;
    // Without NOTIFY: delivered, and no notice (RFC 3461 5.2.3 (c)).
    await sendWithSmtplib({
      port: server.ports.smtp!,
      from: ALICE,
      rcpts: ["bob@example.test"],
      messages: [message("plain")],
    });
    await sendWithSmtplib({
      port: server.ports.smtp!,
      from: ALICE,
      rcpts: ["bob@example.test"],
      messages: [message("asked")],
      mailOptions: ["RET=HDRS", "ENVID=QQ+2B314"],
      rcptOptions: ["NOTIFY=SUCCESS,FAILURE", "ORCPT=rfc822;Bob@example.test"],
    });
    const [dsn] = await noticesFor(server, 1);
    assert.equal(mailboxTexts(server, "bob@example.test").length, 2);
    assert.equal(dsn!.subject, "Successful Mail Delivery Report");
    assert.equal(dsn!.returnPath, "<>");
    assert.deepEqual(dsn!.parts, ["text/plain", "message/delivery-status", "text/rfc822-headers"]);
    assert.equal(dsn!.perMessage["Original-Envelope-Id"], "QQ+314");
    assert.equal(dsn!.perMessage["Reporting-MTA"], "dns; mx.test");
    assert.deepEqual(dsn!.perRecipient, [{
      "Original-Recipient": "rfc822; Bob@example.test",
      "Final-Recipient": "rfc822; bob@example.test",
      "Action": "delivered",
      "Status": "2.0.0",
      "Last-Attempt-Date": dsn!.perRecipient[0]!["Last-Attempt-Date"]!,
    }]);
    assert.match(dsn!.headers, /^Subject: asked$/m);
    assert.doesNotMatch(dsn!.headers, /hello/, "headers only");
    await server.waitForLog(/event=msg\.success_notice /);
  } finally {
    await server.stop();
  }
});

Deno.test("each recipient's NOTIFY decides: failures and successes in separate notices, RET=FULL returns the message", async () => {
  const sink = await startSink({
    script: (stage, arg) =>
      stage === "rcpt" && arg.startsWith("bad") ? "550 5.1.1 no such user" : undefined,
  });
  const server = await startServer({
    users: { [ALICE]: "pw" },
    flags: [`--route=remote.test=127.0.0.1:${sink.port}`],
  });
  try {
    await sendRaw(server.ports.smtp!, {
      mail: "RET=FULL ENVID=batch-7",
      rcpts: [
        "<bad-never@remote.test> NOTIFY=NEVER",
        "<bad-fail@remote.test> NOTIFY=FAILURE ORCPT=rfc822;Fail@remote.test",
        "<bad-plain@remote.test>",
        "<bad-success@remote.test> NOTIFY=SUCCESS",
        "<ok-success@remote.test> NOTIFY=SUCCESS,FAILURE",
        "<ok-plain@remote.test>",
      ],
      subject: "mixed",
    });
    const notices = await noticesFor(server, 2);
    const failed = notices.find((dsn) => /Undelivered/.test(dsn.subject))!;
    const success = notices.find((dsn) => /Successful/.test(dsn.subject))!;
    assert.ok(failed && success, notices.map((dsn) => dsn.subject).join(", "));

    assert.deepEqual(Object.keys(byFinal(failed)).sort(), [
      "bad-fail@remote.test",
      "bad-plain@remote.test",
    ]);
    assert.equal(
      byFinal(failed)["bad-fail@remote.test"]!["Original-Recipient"],
      "rfc822; Fail@remote.test",
    );
    assert.equal(byFinal(failed)["bad-plain@remote.test"]!["Original-Recipient"], undefined);
    for (const block of failed.perRecipient) {
      assert.equal(block["Action"], "failed");
      assert.equal(block["Status"], "5.1.1");
    }
    assert.equal(failed.perMessage["Original-Envelope-Id"], "batch-7");
    assert.deepEqual(failed.parts, ["text/plain", "message/delivery-status", "message/rfc822"]);
    assert.match(failed.headers, /^Subject: mixed\r?$/m);
    assert.match(failed.headers, /body of mixed/, "RET=FULL: the whole message");

    assert.equal(success.perRecipient.length, 1);
    const relayed = success.perRecipient[0]!;
    assert.equal(relayed["Final-Recipient"], "rfc822; ok-success@remote.test");
    assert.equal(relayed["Action"], "relayed", "the sink offers no DSN (RFC 3461 5.2.2 (b))");
    assert.equal(relayed["Status"], "2.0.0");
    assert.match(relayed["Remote-MTA"]!, /^dns; /);
    assert.match(relayed["Diagnostic-Code"]!, /^smtp; 250 /);
    assert.equal(success.perMessage["Original-Envelope-Id"], "batch-7");
    assert.deepEqual(success.parts, [
      "text/plain",
      "message/delivery-status",
      "text/rfc822-headers",
    ]);
    assert.doesNotMatch(success.headers, /body of mixed/, "a success notice returns headers only");
    assert.equal(
      sink.commands.flat().filter((line) => /NOTIFY|ORCPT|RET=|ENVID/i.test(line)).length,
      0,
    );
    // RET=HDRS, and no RET at all: the headers (today's notice).
    for (const mail of ["RET=HDRS", ""]) {
      await sendRaw(server.ports.smtp!, {
        mail,
        rcpts: ["<bad-plain@remote.test>"],
        subject: `ret-${mail || "none"}`,
      });
    }
    const later = (await noticesFor(server, 4)).filter((dsn) => /ret-/.test(dsn.headers));
    assert.equal(later.length, 2);
    for (const dsn of later) {
      assert.deepEqual(dsn.parts, ["text/plain", "message/delivery-status", "text/rfc822-headers"]);
      assert.doesNotMatch(dsn.headers, /body of ret-/);
      assert.equal(dsn.perMessage["Original-Envelope-Id"], undefined);
    }
  } finally {
    await server.stop();
    await sink.close();
  }
});

Deno.test("a delay notice names only the recipients whose NOTIFY allows it", async () => {
  const server = await startServer({
    users: { [ALICE]: "pw" },
    flags: [
      "--delay-warning=1s",
      "--retry-min=1s",
      "--retry-interval=1s",
      "--queue-lifetime=1h",
      "--route=remote.test=127.0.0.1:9",
    ],
  });
  try {
    await sendRaw(server.ports.smtp!, {
      rcpts: [
        "<a@remote.test> NOTIFY=FAILURE",
        "<b@remote.test>",
        "<c@remote.test> NOTIFY=DELAY ORCPT=rfc822;C@remote.test",
        "<d@remote.test> NOTIFY=NEVER",
      ],
      subject: "slow",
    });
    const [dsn] = await noticesFor(server, 1);
    assert.match(dsn!.subject, /Delayed/);
    assert.deepEqual(Object.keys(byFinal(dsn!)).sort(), ["b@remote.test", "c@remote.test"]);
    assert.equal(byFinal(dsn!)["c@remote.test"]!["Original-Recipient"], "rfc822; C@remote.test");
    for (const block of dsn!.perRecipient) assert.equal(block["Action"], "delayed");
  } finally {
    await server.stop();
  }
});

Deno.test("an alias of several targets is reported 'expanded'; one of one target passes SUCCESS on", async () => {
  const server = await startServer({
    users: { [ALICE]: "pw", "bob@example.test": "pw", "carol@example.test": "pw" },
    aliases: "team@example.test: bob@example.test, carol@example.test\n" +
      "info@example.test: bob@example.test\n",
  });
  try {
    await sendRaw(server.ports.smtp!, {
      rcpts: ["<team@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Team@example.test"],
      subject: "to-team",
    });
    const [expanded] = await noticesFor(server, 1);
    assert.deepEqual(expanded!.perRecipient, [{
      "Original-Recipient": "rfc822; Team@example.test",
      "Final-Recipient": "rfc822; team@example.test",
      "Action": "expanded",
      "Status": "2.0.0",
    }]);
    await waitUntil(() => mailboxTexts(server, "carol@example.test").length === 1);
    assert.equal(mailboxTexts(server, "bob@example.test").length, 1);
    await sendRaw(server.ports.smtp!, {
      rcpts: ["<info@example.test> NOTIFY=SUCCESS"],
      subject: "to-info",
    });
    const delivered = (await noticesFor(server, 2)).find((dsn) => /to-info/.test(dsn.headers))!;
    assert.deepEqual(
      delivered.perRecipient.map((block) => [
        block["Original-Recipient"],
        block["Final-Recipient"],
        block["Action"],
      ]),
      [["rfc822; info@example.test", "rfc822; bob@example.test", "delivered"]],
    );
  } finally {
    await server.stop();
  }
});

Deno.test("mail from <> asking NOTIFY=SUCCESS gets no notice (RFC 3461 5.2)", async () => {
  const server = await startServer({ users: { [ALICE]: "pw", "bob@example.test": "pw" } });
  try {
    await sendRaw(server.ports.smtp!, {
      from: "",
      rcpts: ["<bob@example.test> NOTIFY=SUCCESS"],
      subject: "from-null",
    });
    await waitUntil(() => mailboxTexts(server, "bob@example.test").length === 1);
    await waitUntil(
      () => [...Deno.readDirSync(`${server.spoolDir}/queue/msg`)].length === 0,
      10_000,
      "empty queue",
    );
    assert.doesNotMatch(server.log(), /event=msg\.success_notice/);
    assert.equal(maildirFiles(server.spoolDir, ALICE).length, 0);
  } finally {
    await server.stop();
  }
});

Deno.test("a queue file written before DSN support is delivered and bounced as before", async () => {
  const spoolDir = tempDir();
  const common = [`--spool-dir=${spoolDir}`, "--domains=example.test", "--hostname=mx.test"];
  const added = await runCli(["user", "add", ALICE, ...common], { stdin: "pw\n" });
  assert.equal(added.code, 0, added.stderr);
  await Deno.mkdir(`${spoolDir}/queue/msg`, { recursive: true });
  // The envelope line the code before DSN support wrote: no ret, envid, rcptDsn or expanded.
  await Deno.writeTextFile(
    `${spoolDir}/queue/msg/0old1dsn`,
    `PBQ1 {"qid":"0old1dsn","from":"${ALICE}","rcpts":["ghost@example.test"],` +
      `"arrivalMs":${Date.now()},"source":"smtp","clientIp":"127.0.0.1","helo":"c.test"}\n` +
      "Subject: from-the-old-queue\r\n\r\nhello\r\n",
  );
  const server = await startServer({ spoolDir });
  try {
    const [dsn] = await noticesFor(server, 1);
    assert.match(dsn!.subject, /Undelivered/);
    assert.equal(dsn!.perMessage["Original-Envelope-Id"], undefined);
    assert.deepEqual(
      dsn!.perRecipient.map((block) => [block["Final-Recipient"], block["Status"]]),
      [
        ["rfc822; ghost@example.test", "5.1.1"],
      ],
    );
    assert.equal(dsn!.perRecipient[0]!["Original-Recipient"], undefined);
    assert.deepEqual(dsn!.parts, ["text/plain", "message/delivery-status", "text/rfc822-headers"]);
  } finally {
    await server.stop();
  }
});

Deno.test("a next hop that offers DSN gets RET, ENVID, NOTIFY and ORCPT as they came, and reports success itself", async () => {
  const sink = await startSink({ dsn: true });
  const server = await startServer({
    users: { [ALICE]: "pw" },
    aliases: "list@example.test: x@remote.test, y@remote.test\n",
    flags: [`--route=remote.test=127.0.0.1:${sink.port}`],
  });
  try {
    await sendRaw(server.ports.smtp!, {
      mail: "RET=HDRS ENVID=QQ+2B314",
      rcpts: [
        "<a@remote.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;A+2Bb@remote.test",
        "<b@remote.test>",
        "<list@example.test> NOTIFY=SUCCESS,DELAY",
      ],
      subject: "passed-on",
    });
    await waitUntil(() => sink.transactions.length === 1, 10_000, "relay to the DSN sink");
    const lines = sink.commands.flat();
    assert.ok(
      lines.some((line) =>
        /^MAIL FROM:<alice@example\.test> .*RET=HDRS ENVID=QQ\+2B314$/.test(line)
      ),
      lines.join("\n"),
    );
    assert.ok(
      lines.includes(
        "RCPT TO:<a@remote.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;A+2Bb@remote.test",
      ),
      lines.join("\n"),
    );
    assert.ok(
      lines.includes("RCPT TO:<b@remote.test>"),
      "no NOTIFY given, none passed (RFC 3461 5.2.1 (c))",
    );
    assert.ok(
      lines.includes("RCPT TO:<x@remote.test> NOTIFY=DELAY ORCPT=rfc822;list@example.test"),
      lines.join("\n"),
    );
    assert.ok(
      lines.includes("RCPT TO:<y@remote.test> NOTIFY=DELAY ORCPT=rfc822;list@example.test"),
      lines.join("\n"),
    );
    // The only notice from us: the alias expanded. a@'s success is the next hop's to report.
    const [dsn] = await noticesFor(server, 1);
    assert.deepEqual(
      dsn!.perRecipient.map((block) => [block["Final-Recipient"], block["Action"]]),
      [
        ["rfc822; list@example.test", "expanded"],
      ],
    );
    await waitUntil(() => [...Deno.readDirSync(`${server.spoolDir}/queue/msg`)].length === 0);
    assert.equal((server.log().match(/event=msg\.success_notice /g) ?? []).length, 1);
  } finally {
    await server.stop();
    await sink.close();
  }
});

Deno.test("a next hop without DSN gets no DSN parameters", async () => {
  const sink = await startSink();
  const server = await startServer({
    users: { [ALICE]: "pw" },
    flags: [`--route=remote.test=127.0.0.1:${sink.port}`],
  });
  try {
    await sendRaw(server.ports.smtp!, {
      mail: "RET=FULL ENVID=e1",
      rcpts: ["<a@remote.test> NOTIFY=FAILURE ORCPT=rfc822;a@remote.test"],
      subject: "not-passed",
    });
    await waitUntil(() => sink.transactions.length === 1, 10_000, "relay to the sink");
    const lines = sink.commands.flat().filter((line) => /^(MAIL|RCPT) /.test(line));
    assert.equal(lines.length, 2);
    for (const line of lines) assert.doesNotMatch(line, /RET=|ENVID=|NOTIFY=|ORCPT=/);
  } finally {
    await server.stop();
    await sink.close();
  }
});

Deno.test("pillarbox sendmail -N, -R and -V are honoured", async () => {
  const spoolDir = tempDir();
  const common = [`--spool-dir=${spoolDir}`, "--domains=example.test", "--hostname=mx.test"];
  for (const user of [ALICE, "bob@example.test"]) {
    const added = await runCli(["user", "add", user, ...common], { stdin: "pw\n" });
    assert.equal(added.code, 0, added.stderr);
  }
  const bad = await runCli(["sendmail", "-N", "never,success", "bob@example.test", ...common], {
    stdin: "Subject: x\n\nx\n",
  });
  assert.equal(bad.code, 64, "a bad -N is a usage error");
  assert.match(bad.stderr, /-N/);
  const sent = await runCli(
    [
      "sendmail",
      "-f",
      ALICE,
      "-N",
      "success,failure",
      "-R",
      "hdrs",
      "-V",
      "job 42+x",
      "bob@example.test",
      ...common,
    ],
    { stdin: "Subject: from-sendmail\n\nhello\n" },
  );
  assert.equal(sent.code, 0, sent.stderr);
  const never = await runCli(
    ["sendmail", "-f", ALICE, "-N", "never", "ghost@example.test", ...common],
    { stdin: "Subject: never-told\n\nhello\n" },
  );
  assert.equal(never.code, 0, never.stderr);
  const server = await startServer({ spoolDir });
  try {
    const [dsn] = await noticesFor(server, 1);
    assert.equal(dsn!.subject, "Successful Mail Delivery Report");
    assert.equal(dsn!.perMessage["Original-Envelope-Id"], "job 42+x");
    assert.equal(dsn!.perRecipient[0]!["Action"], "delivered");
    assert.match(dsn!.headers, /^Subject: from-sendmail$/m);
    await waitUntil(() => [...Deno.readDirSync(`${spoolDir}/queue/msg`)].length === 0);
    assert.equal(maildirFiles(spoolDir, ALICE).length, 1, "-N never: no bounce for ghost@");
  } finally {
    await server.stop();
  }
});

Deno.test({
  name:
    "msmtp --dsn-notify=success --dsn-return=hdrs is taken, and the sender hears of the delivery",
  ignore: !hasProgram("msmtp", ["--version"]),
  fn: async () => {
    const server = await startServer({ users: { [ALICE]: "pw", "bob@example.test": "pw" } });
    const dir = tempDir();
    try {
      const config = `${dir}/msmtprc`;
      Deno.writeTextFileSync(
        config,
        `account default\nhost 127.0.0.1\nport ${server.ports.smtp}\ntls off\nauth off\n` +
          `from ${ALICE}\n`,
        { mode: 0o600 },
      );
      const child = new Deno.Command("msmtp", {
        args: [
          "-C",
          config,
          "--dsn-notify=success,failure",
          "--dsn-return=hdrs",
          "bob@example.test",
        ],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(`From: ${ALICE}\nSubject: via-msmtp\n\nhello\n`));
      await writer.close();
      const { code, stderr } = await child.output();
      assert.equal(code, 0, new TextDecoder().decode(stderr));
      const [dsn] = await noticesFor(server, 1);
      assert.equal(dsn!.perRecipient[0]!["Action"], "delivered");
      assert.match(dsn!.headers, /^Subject: via-msmtp$/m);
    } finally {
      await server.stop();
    }
  },
});
