/**
 * The DSN extension's parameters on the wire (RFC 3461 4, 5.1): DSN in EHLO,
 * RET, ENVID, NOTIFY and ORCPT taken in any case, a bad value or one given
 * twice answered 501 5.5.4 with nothing accepted before lost, lines as long
 * as the parameters need, and a utf-8 ORCPT (RFC 6533 3) with and without
 * SMTPUTF8. One server for every case.
 */
import assert from "node:assert/strict";
import { startServer, waitUntil } from "./harness.ts";
import { expectNext, expectReply, mailboxTexts, openSession } from "./smtp_dialog.ts";

Deno.test("DSN parameters on the wire", async (t) => {
  const server = await startServer({
    users: { "bob@example.test": "pw", "carol@example.test": "pw" },
    aliases: "team@example.test: bob@example.test, carol@example.test\n",
    // remote.test's next hop refuses connections: its mail stays queued.
    flags: ["--route=remote.test=127.0.0.1:9", "--retry-min=1h"],
  });
  const port = server.ports.smtp!;
  try {
    await t.step("EHLO offers DSN; HELO offers no parameters", async () => {
      const client = await openSession(port, { helo: null });
      try {
        await client.send("EHLO client.test\r\n");
        const lines = await client.reply();
        assert.ok(lines.some((line) => /^250[ -]DSN$/.test(line)), lines.join("\n"));
        await expectReply(client, "HELO client.test", /^250 /);
        await expectReply(client, "MAIL FROM:<a@remote.test> RET=HDRS", /^555 5\.5\.4 /);
        // RFC 5321 4.1.1.3: RCPT's parameters too need EHLO.
        await expectReply(client, "MAIL FROM:<a@remote.test>", /^250 /);
        for (const param of ["NOTIFY=SUCCESS", "ORCPT=rfc822;bob@example.test"]) {
          await expectReply(client, `RCPT TO:<bob@example.test> ${param}`, /^555 5\.5\.4 /);
        }
        await expectReply(client, "RCPT TO:<bob@example.test>", /^250 /);
      } finally {
        client.close();
      }
    });

    await t.step("good values in any case are taken, and the message goes through", async () => {
      const client = await openSession(port);
      try {
        await expectReply(
          client,
          "MAIL FROM:<a@remote.test> ret=hdrs EnVid=QQ+2B314",
          /^250 2\.1\.0 /,
        );
        await expectReply(
          client,
          "RCPT TO:<bob@example.test> notify=success,Failure ORCPT=rfc822;Bob+2Bx@example.test",
          /^250 2\.1\.5 /,
        );
        await expectReply(client, "RCPT TO:<carol@example.test> NOTIFY=NEVER", /^250 2\.1\.5 /);
        await expectReply(client, "DATA", /^354 /);
        await client.send("Subject: dsn-params-good\r\n\r\nhi\r\n.\r\n");
        await expectNext(client, /^250 2\.0\.0 /);
      } finally {
        client.close();
      }
      await waitUntil(
        () => mailboxTexts(server, "carol@example.test").some((m) => m.includes("dsn-params-good")),
        10_000,
        "delivery",
      );
    });

    await t.step(
      "the values are kept in the queue file's envelope, per final recipient",
      async () => {
        const envelope = await queuedEnvelope(port, server.spoolDir, {
          mail: "MAIL FROM:<alice@example.test> RET=full ENVID=env+2B1",
          rcpts: [
            "RCPT TO:<x@remote.test> NOTIFY=FAILURE ORCPT=rfc822;X@remote.test",
            "RCPT TO:<team@example.test> NOTIFY=SUCCESS,FAILURE",
            "RCPT TO:<y@remote.test>",
          ],
          subject: "dsn-params-kept",
        });
        assert.deepEqual(envelope.rcpts, [
          "x@remote.test",
          "bob@example.test",
          "carol@example.test",
          "y@remote.test",
        ]);
        assert.equal(envelope.ret, "FULL");
        assert.equal(envelope.envid, "env+2B1");
        const fromTeam = { notify: ["FAILURE"], orcpt: "rfc822;team@example.test" };
        assert.deepEqual(envelope.rcptDsn, {
          "x@remote.test": { notify: ["FAILURE"], orcpt: "rfc822;X@remote.test" },
          "bob@example.test": fromTeam,
          "carol@example.test": fromTeam,
        });
        assert.deepEqual(envelope.expanded, [{ rcpt: "team@example.test" }]);
      },
    );

    await t.step(
      "a message without DSN parameters is kept as before, without the fields",
      async () => {
        const envelope = await queuedEnvelope(port, server.spoolDir, {
          mail: "MAIL FROM:<alice@example.test>",
          rcpts: ["RCPT TO:<team@example.test>", "RCPT TO:<x@remote.test>"],
          subject: "dsn-params-none",
        });
        for (const field of ["ret", "envid", "rcptDsn", "expanded"]) {
          assert.equal(field in envelope, false, field);
        }
      },
    );

    for (
      const [name, command, pattern] of [
        ["RET with another word", "MAIL FROM:<a@remote.test> RET=ALL", /RET needs FULL or HDRS/],
        ["RET twice", "MAIL FROM:<a@remote.test> RET=FULL RET=HDRS", /repeated parameter RET/],
        ["ENVID twice", "MAIL FROM:<a@remote.test> ENVID=a envid=b", /repeated parameter ENVID/],
        ["ENVID in lower-case hex", "MAIL FROM:<a@remote.test> ENVID=a+2b", /ENVID is not xtext/],
        [
          "ENVID with an encoded CR LF",
          "MAIL FROM:<a@remote.test> ENVID=a+0D+0Ab",
          /not printable/,
        ],
        ["ENVID of 101 characters", `MAIL FROM:<a@remote.test> ENVID=${"e".repeat(101)}`, /longer/],
      ] as const
    ) {
      await t.step(`MAIL with ${name} is a 501 5.5.4 and opens no transaction`, async () => {
        const client = await openSession(port);
        try {
          await expectReply(client, command, /^501 5\.5\.4 /);
          assert.match(await client.command(command), pattern);
          await expectReply(client, "RCPT TO:<bob@example.test>", /^503 /);
        } finally {
          client.close();
        }
      });
    }

    for (
      const [name, param, pattern] of [
        ["NOTIFY=NEVER with SUCCESS", "NOTIFY=NEVER,SUCCESS", /NEVER must stand alone/],
        ["an unknown NOTIFY keyword", "NOTIFY=ALWAYS", /NOTIFY needs NEVER/],
        ["NOTIFY twice", "NOTIFY=SUCCESS NOTIFY=FAILURE", /repeated parameter NOTIFY/],
        ["ORCPT twice", "ORCPT=rfc822;a@b ORCPT=rfc822;c@d", /repeated parameter ORCPT/],
        ["ORCPT without an addr-type", "ORCPT=bob@example.test", /addr-type;address/],
        ["ORCPT with bad xtext", "ORCPT=rfc822;a+4@b", /not xtext/],
        ["ORCPT with UTF-8 and no SMTPUTF8", "ORCPT=utf-8;jörg@b.test", /needs SMTPUTF8/],
      ] as const
    ) {
      await t.step(`RCPT with ${name} is a 501 5.5.4; the recipients before it stay`, async () => {
        const marker = `dsn-params-${crypto.randomUUID()}`;
        const client = await openSession(port);
        try {
          await expectReply(client, "MAIL FROM:<a@remote.test> ENVID=x", /^250 /);
          await expectReply(client, "RCPT TO:<bob@example.test> NOTIFY=FAILURE", /^250 /);
          const line = await expectReply(
            client,
            `RCPT TO:<carol@example.test> ${param}`,
            /^501 5\.5\.4 Syntax error: /,
          );
          assert.match(line, pattern);
          await expectReply(client, "DATA", /^354 /);
          await client.send(`Subject: ${marker}\r\n\r\nhi\r\n.\r\n`);
          await expectNext(client, /^250 2\.0\.0 /);
        } finally {
          client.close();
        }
        await waitUntil(
          () => mailboxTexts(server, "bob@example.test").some((m) => m.includes(marker)),
          10_000,
          "delivery to the recipient accepted first",
        );
        assert.ok(!mailboxTexts(server, "carol@example.test").some((m) => m.includes(marker)));
      });
    }

    await t.step(
      "a utf-8 ORCPT is taken in 7-bit form always, with UTF-8 under SMTPUTF8",
      async () => {
        const client = await openSession(port);
        try {
          await expectReply(client, "MAIL FROM:<a@remote.test>", /^250 /);
          await expectReply(
            client,
            "RCPT TO:<bob@example.test> ORCPT=utf-8;j\\x{F6}rg@example.test",
            /^250 /,
          );
          await expectReply(client, "RSET", /^250 /);
          await expectReply(client, "MAIL FROM:<a@remote.test> SMTPUTF8", /^250 /);
          await expectReply(
            client,
            "RCPT TO:<bob@example.test> ORCPT=utf-8;jörg@bücher.test",
            /^250 /,
          );
        } finally {
          client.close();
        }
      },
    );

    await t.step(
      "RCPT may be as long as a 500-character ORCPT makes it, and no longer",
      async () => {
        const client = await openSession(port);
        try {
          const orcpt = "rfc822;" + "o".repeat(480) + "@example.test";
          assert.equal(orcpt.length, 500);
          await expectReply(client, "MAIL FROM:<a@remote.test>", /^250 /);
          const line = `RCPT TO:<bob@example.test> NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=${orcpt}`;
          assert.ok(line.length + 2 > 512);
          await expectReply(client, line, /^250 2\.1\.5 /);
          // The allowance is the parameters' own length, not a licence for anything else.
          await expectReply(client, `${line} ${"x".repeat(500)}`, /^500 5\.5\.2 /);
        } finally {
          client.close();
        }
      },
    );
  } finally {
    await server.stop();
  }
});

/** Sends one message with these MAIL and RCPT lines; returns its queue file's envelope, parsed. */
async function queuedEnvelope(
  port: number,
  spoolDir: string,
  send: { mail: string; rcpts: string[]; subject: string },
): Promise<Record<string, unknown>> {
  const client = await openSession(port);
  let qid: string;
  try {
    await expectReply(client, send.mail, /^250 /);
    for (const rcpt of send.rcpts) await expectReply(client, rcpt, /^250 /);
    await expectReply(client, "DATA", /^354 /);
    await client.send(`Subject: ${send.subject}\r\n\r\nhi\r\n.\r\n`);
    const line = await expectNext(client, /^250 2\.0\.0 Ok: queued as /);
    qid = line.slice(line.lastIndexOf(" ") + 1);
  } finally {
    client.close();
  }
  const text = Deno.readTextFileSync(`${spoolDir}/queue/msg/${qid}`);
  return JSON.parse(text.slice("PBQ1 ".length, text.indexOf("\n")));
}
