/**
 * The DSN extension (RFC 3461) from us to a real Postfix (a private instance
 * on loopback, see postfix.ts): one that offers DSN gets the requests and
 * reports success and failure itself, its notices reaching the sender here
 * with ENVID and ORCPT intact; one that does not leaves the "relayed" notice
 * to us.
 */
import assert from "node:assert/strict";
import { type Server, startServer } from "./harness.ts";
import { HAS_POSTFIX, type Postfix, startPostfix, waitForBothQueues } from "./postfix.ts";
import { ALICE, byFinal, noticesFor, sendRaw } from "./dsn_fixture.ts";

/** A Postfix relaying for remote.test, and us routing remote.test to it and taking its notices. */
async function startPair(
  smtpd: Record<string, string>,
): Promise<{ postfix: Postfix; server: Server }> {
  const postfix = await startPostfix({
    main: {
      relay_domains: "remote.test",
      transport_maps: "texthash:$config_directory/transport",
      // One attempt: a recipient it cannot reach bounces at once instead of waiting.
      maximal_queue_lifetime: "0",
      bounce_queue_lifetime: "0",
    },
    smtpd,
    files: { transport: "" },
  });
  const server = await startServer({
    users: { [ALICE]: "pw" },
    flags: [`--route=remote.test=127.0.0.1:${postfix.port}`],
  });
  // Written before any mail, so before Postfix first reads it. Its notices to
  // the sender's domain come to us; c@remote.test is a closed port.
  await postfix.writeTable(
    "transport",
    `example.test smtp:[127.0.0.1]:${server.ports.smtp}\nc@remote.test smtp:[127.0.0.1]:9\n`,
  );
  return { postfix, server };
}

Deno.test({
  name:
    "Postfix offering DSN gets RET, ENVID, NOTIFY and ORCPT, and its notices come back with them",
  ignore: !HAS_POSTFIX,
  fn: async () => {
    const { postfix, server } = await startPair({});
    try {
      await sendRaw(server.ports.smtp!, {
        mail: "RET=HDRS ENVID=QQ+2B314",
        rcpts: [
          "<a@remote.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;A+2Bb@remote.test",
          "<c@remote.test> NOTIFY=FAILURE",
        ],
        subject: "to-postfix",
      });
      const notices = await noticesFor(server, 2);
      for (const dsn of notices) {
        assert.equal(dsn.from, "Mail Delivery System <MAILER-DAEMON@postfix.test>");
        assert.equal(dsn.perMessage["Reporting-MTA"], "dns; postfix.test");
        assert.equal(dsn.perMessage["Original-Envelope-Id"], "QQ+314", "ENVID decoded, intact");
        // RET=HDRS: Postfix, whose default is the whole message, returns the headers.
        assert.deepEqual(dsn.parts, [
          "text/plain",
          "message/delivery-status",
          "text/rfc822-headers",
        ]);
        assert.match(dsn.headers, /^Subject: to-postfix\r?$/m);
      }
      const success = notices.find((dsn) => dsn.subject === "Successful Mail Delivery Report")!;
      const a = byFinal(success)["a@remote.test"]!;
      assert.equal(a["Action"], "delivered");
      assert.equal(a["Status"], "2.0.0");
      assert.equal(
        a["Original-Recipient"],
        "rfc822;A+b@remote.test",
        "ORCPT as the sender gave it",
      );
      const failure = notices.find((dsn) => dsn !== success)!;
      assert.deepEqual(Object.keys(byFinal(failure)), ["c@remote.test"]);
      assert.equal(byFinal(failure)["c@remote.test"]!["Action"], "failed");
      await waitForBothQueues(server, postfix);
      assert.equal((await noticesFor(server, 2)).length, 2);
      // The hop took the requests: we report neither its success nor its failure.
      assert.doesNotMatch(server.log(), /event=msg\.(success_notice|bounced) /);
    } finally {
      await server.stop();
      await postfix.stop();
    }
  },
});

Deno.test({
  name: "Postfix told not to offer DSN gets none of it, and we report 'relayed' with its reply",
  ignore: !HAS_POSTFIX,
  fn: async () => {
    const { postfix, server } = await startPair({ smtpd_discard_ehlo_keywords: "dsn" });
    try {
      await sendRaw(server.ports.smtp!, {
        mail: "RET=HDRS ENVID=QQ+2B314",
        rcpts: ["<a@remote.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;A+2Bb@remote.test"],
        subject: "to-postfix-without-dsn",
      });
      const [dsn] = await noticesFor(server, 1);
      assert.equal(dsn!.from, "Mail Delivery System <MAILER-DAEMON@mx.test>");
      assert.equal(dsn!.subject, "Successful Mail Delivery Report");
      assert.equal(dsn!.perMessage["Reporting-MTA"], "dns; mx.test");
      assert.equal(dsn!.perMessage["Original-Envelope-Id"], "QQ+314");
      const a = byFinal(dsn!)["a@remote.test"]!;
      assert.equal(a["Action"], "relayed");
      assert.equal(a["Status"], "2.0.0");
      assert.equal(a["Original-Recipient"], "rfc822; A+b@remote.test");
      assert.equal(a["Remote-MTA"], "dns; [127.0.0.1]");
      assert.match(a["Diagnostic-Code"]!, /^smtp; 250 2\.0\.0 Ok: queued as [0-9A-F]+$/);
      await waitForBothQueues(server, postfix);
      assert.equal((await noticesFor(server, 1)).length, 1, "no notice from Postfix");
    } finally {
      await server.stop();
      await postfix.stop();
    }
  },
});
