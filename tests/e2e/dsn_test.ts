/**
 * The DSN extension end to end (RFC 3461 5, 6): what each recipient's
 * NOTIFY asks for is what the sender hears, RET chooses the returned part,
 * ENVID and ORCPT come back as Original-Envelope-Id and Original-Recipient,
 * aliases are reported as RFC 3461 5.2.7 says, `<>` never hears anything.
 * Sent with Python's smtplib and raw sessions, read with Python's email
 * package from the sender's mailbox.
 */
import assert from "node:assert/strict";
import { maildirFiles, runCli, startServer, tempDir, waitUntil } from "./harness.ts";
import { mailboxTexts } from "./smtp_dialog.ts";
import { sendWithSmtplib } from "./smtplib_send.ts";
import { startSink } from "./smtp_sink.ts";
import { ALICE, byFinal, noticesFor, sendRaw } from "./dsn_fixture.ts";

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
    // The list in To and in Cc (Python's send_message() gives a RCPT for each): reported once.
    await sendRaw(server.ports.smtp!, {
      rcpts: ["<team@example.test> NOTIFY=SUCCESS", "<Team@example.test> NOTIFY=SUCCESS"],
      subject: "to-team-twice",
    });
    const twice = (await noticesFor(server, 3)).find((dsn) => /to-team-twice/.test(dsn.headers))!;
    assert.deepEqual(twice.perRecipient.map((block) => block["Action"]), ["expanded"]);
    // Its members named before it, without NOTIFY: the list is still reported.
    await sendRaw(server.ports.smtp!, {
      rcpts: ["<bob@example.test>", "<carol@example.test>", "<team@example.test> NOTIFY=SUCCESS"],
      subject: "to-members-first",
    });
    const after = (await noticesFor(server, 4)).find((dsn) => /to-members-first/.test(dsn.headers));
    assert.deepEqual(after?.perRecipient.map((block) => block["Action"]), ["expanded"]);
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
