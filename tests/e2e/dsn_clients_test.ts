/**
 * DSN requests from the command line and from a real client: `pillarbox
 * sendmail -N/-R/-V`, and msmtp's --dsn-notify/--dsn-return.
 */
import assert from "node:assert/strict";
import { maildirFiles, runCli, startServer, tempDir, waitUntil } from "./harness.ts";
import { hasProgram } from "./tmux.ts";
import { ALICE, noticesFor } from "./dsn_fixture.ts";

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

Deno.test("pillarbox sendmail -N success to an alias of several members reports it 'expanded', as SMTP does", async () => {
  const server = await startServer({
    users: { [ALICE]: "pw", "bob@example.test": "pw", "carol@example.test": "pw" },
    aliases: "team@example.test: bob@example.test, carol@example.test\n" +
      "info@example.test: bob@example.test\n",
  });
  try {
    const common = [`--spool-dir=${server.spoolDir}`, "--domains=example.test,other.test"];
    for (const [rcpt, subject] of [["team@example.test", "to-team"], ["info", "to-info"]]) {
      const sent = await runCli(
        ["sendmail", "-f", ALICE, "-N", "success,failure", rcpt!, ...common, "--hostname=mx.test"],
        { stdin: `Subject: ${subject}\n\nhello\n` },
      );
      assert.equal(sent.code, 0, sent.stderr);
    }
    const notices = await noticesFor(server, 2);
    const blocks = (subject: string) =>
      notices.find((dsn) => dsn.headers.includes(`Subject: ${subject}`))!.perRecipient.map((
        block,
      ) => [block["Original-Recipient"], block["Final-Recipient"], block["Action"]]);
    // RFC 3461 5.2.7.3: the list once, its members not named; a one-member alias passes SUCCESS on.
    assert.deepEqual(blocks("to-team"), [[undefined, "rfc822; team@example.test", "expanded"]]);
    assert.deepEqual(blocks("to-info"), [
      ["rfc822; info@example.test", "rfc822; bob@example.test", "delivered"],
    ]);
    await waitUntil(() => maildirFiles(server.spoolDir, "carol@example.test").length === 1);
    assert.equal(maildirFiles(server.spoolDir, "bob@example.test").length, 2);
  } finally {
    await server.stop();
  }
});
