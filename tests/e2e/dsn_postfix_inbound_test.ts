/**
 * The DSN extension (RFC 3461) from a real Postfix (a private instance on
 * loopback, see postfix.ts) to us as the final destination: its requests
 * arrive with the mail, we report delivery, and a recipient we refuse at
 * RCPT is Postfix's to report, or not, as its NOTIFY says.
 */
import assert from "node:assert/strict";
import { maildirFiles, type Server, startServer } from "./harness.ts";
import { HAS_POSTFIX, type Postfix, startPostfix, waitForBothQueues } from "./postfix.ts";
import { ALICE, byFinal, noticesFor } from "./dsn_fixture.ts";
import { sendWithSmtplib } from "./smtplib_send.ts";

const CAROL = "carol@other.test";
/** An account in an internationalised domain, written in U-labels in RCPT. */
const JOERG = "joerg@xn--bcher-kva.test";

/** A Postfix that sends everything on to us; us with alice (the sender), carol and joerg. */
async function startPair(): Promise<{ postfix: Postfix; server: Server }> {
  const postfix = await startPostfix({
    main: { transport_maps: "texthash:$config_directory/transport" },
    files: { transport: "" },
  });
  const server = await startServer({
    users: { [ALICE]: "pw", [CAROL]: "pw", [JOERG]: "pw" },
    flags: ["--domains=xn--bcher-kva.test"],
  });
  // Written before any mail, so before Postfix first reads it.
  await postfix.writeTable("transport", `* smtp:[127.0.0.1]:${server.ports.smtp}\n`);
  return { postfix, server };
}

Deno.test({
  name:
    "Postfix's sendmail -N success,failure -R hdrs -V: we report the delivery, Postfix our refusal",
  ignore: !HAS_POSTFIX,
  fn: async () => {
    const { postfix, server } = await startPair();
    try {
      await postfix.sendmail(
        [
          "-f",
          ALICE,
          "-N",
          "success,failure",
          "-R",
          "hdrs",
          "-V",
          "job 42",
          CAROL,
          "ghost@other.test",
        ],
        "Subject: via-postfix\n\nhello\n",
      );
      // NOTIFY=NEVER: our 550 at RCPT reaches nobody.
      await postfix.sendmail(
        ["-f", ALICE, "-N", "never", "ghost2@other.test"],
        "Subject: never\n\nx\n",
      );
      const notices = await noticesFor(server, 2);
      for (const dsn of notices) {
        assert.equal(dsn.perMessage["Original-Envelope-Id"], "job 42");
        assert.deepEqual(dsn.parts, [
          "text/plain",
          "message/delivery-status",
          "text/rfc822-headers",
        ]);
        assert.match(dsn.headers, /^Subject: via-postfix\r?$/m);
      }
      const ours = notices.find((dsn) => dsn.from.endsWith("<MAILER-DAEMON@mx.test>"))!;
      assert.equal(ours.subject, "Successful Mail Delivery Report");
      assert.equal(ours.perMessage["Reporting-MTA"], "dns; mx.test");
      assert.deepEqual(Object.keys(byFinal(ours)), [CAROL]);
      const carol = byFinal(ours)[CAROL]!;
      assert.equal(carol["Action"], "delivered");
      assert.equal(carol["Status"], "2.0.0");
      assert.equal(carol["Original-Recipient"], `rfc822; ${CAROL}`, "the ORCPT Postfix added");
      assert.equal(maildirFiles(server.spoolDir, CAROL).length, 1);
      const theirs = notices.find((dsn) => dsn !== ours)!;
      assert.equal(theirs.from, "Mail Delivery System <MAILER-DAEMON@postfix.test>");
      assert.equal(theirs.perMessage["Reporting-MTA"], "dns; postfix.test");
      assert.deepEqual(Object.keys(byFinal(theirs)), ["ghost@other.test"]);
      const ghost = byFinal(theirs)["ghost@other.test"]!;
      assert.equal(ghost["Action"], "failed");
      assert.equal(ghost["Status"], "5.1.1");
      assert.equal(ghost["Remote-MTA"], "dns; 127.0.0.1");
      assert.match(ghost["Diagnostic-Code"]!, /^smtp; 550 5\.1\.1 /);
      await waitForBothQueues(server, postfix);
      assert.equal((await noticesFor(server, 2)).length, 2, "none for ghost2 (NOTIFY=NEVER)");
    } finally {
      await server.stop();
      await postfix.stop();
    }
  },
});

Deno.test({
  name: "Postfix's ORCPT for a UTF-8 recipient (rfc822 type, UTF-8 in xtext) is taken, not refused",
  ignore: !HAS_POSTFIX,
  fn: async () => {
    const { postfix, server } = await startPair();
    try {
      // Postfix adds ORCPT=rfc822;joerg@b+C3+BCcher.test to every RCPT it relays for this address.
      await sendWithSmtplib({
        port: postfix.port,
        from: ALICE,
        rcpts: ["joerg@bücher.test"],
        mailOptions: ["SMTPUTF8"],
        rcptOptions: ["NOTIFY=SUCCESS,FAILURE"],
        messages: ["Subject: idn\r\n\r\nhello\r\n"],
      });
      // Our success notice, or Postfix's bounce quoting our refusal.
      const [dsn] = await noticesFor(server, 1);
      assert.equal(dsn!.perRecipient[0]!["Action"], "delivered", JSON.stringify(dsn!.perRecipient));
      assert.equal(dsn!.from, "Mail Delivery System <MAILER-DAEMON@mx.test>");
      assert.equal(maildirFiles(server.spoolDir, JOERG).length, 1);
      // In a 7-bit report, an address with UTF-8 is written as a utf-8 one (RFC 6533 3).
      assert.equal(dsn!.perRecipient[0]!["Original-Recipient"], "utf-8; joerg@b\\x{FC}cher.test");
      assert.match(
        dsn!.headers,
        /^\tfor <joerg@bücher\.test>; /m,
        "the returned headers, UTF-8 as sent",
      );
    } finally {
      await server.stop();
      await postfix.stop();
    }
  },
});
