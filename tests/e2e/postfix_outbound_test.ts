/** Delivering out to a real Postfix (a private instance on loopback, see postfix.ts). */
import assert from "node:assert/strict";
import { startServer } from "./harness.ts";
import { HAS_POSTFIX, startPostfix } from "./postfix.ts";
import { sendWithSmtplib } from "./smtplib_send.ts";

const MESSAGE = "From: bob@example.test\r\nSubject: to many\r\n\r\nHello all\r\n";

Deno.test({
  name:
    "Postfix's 421 after too many refused RCPTs bounces those and lets the rest through next time",
  ignore: !HAS_POSTFIX,
  fn: async () => {
    // smtpd_hard_error_limit=3: the fourth command after three refusals gets
    // "421 4.7.0 ... Error: too many errors" and Postfix hangs up (its default is 20).
    const refused = ["bad1", "bad2", "bad3", "bad4"].map((local) => `${local}@pf.test`);
    const postfix = await startPostfix({
      main: {
        relay_domains: "pf.test",
        smtpd_recipient_restrictions:
          "check_recipient_access texthash:$config_directory/refused, permit_mynetworks, reject",
      },
      smtpd: {
        smtpd_hard_error_limit: "3",
        smtpd_soft_error_limit: "2",
        smtpd_error_sleep_time: "0",
      },
      files: { refused: refused.map((rcpt) => `${rcpt} 550 5.1.1 No such user\n`).join("") },
    });
    const server = await startServer({
      users: { "bob@example.test": "pw" },
      flags: [`--route=pf.test=127.0.0.1:${postfix.port}`, "--retry-min=1s"],
    });
    try {
      const good = ["good1@pf.test", "good2@pf.test"];
      await sendWithSmtplib({
        port: server.ports.smtp!,
        from: "bob@example.test",
        rcpts: [...refused, ...good],
        messages: [MESSAGE],
      });
      // First attempt: three 550s, then the 421. Those three are settled for good...
      for (const rcpt of refused.slice(0, 3)) {
        const line = await server.waitForLog(
          new RegExp(`event=msg\\.failed .*rcpt=${rcpt.replace(".", "\\.")} `),
        );
        assert.match(line, /status=5\.1\.1 .*550 5\.1\.1/);
      }
      // ...so the retry reaches the others: one refusal, then the two good ones.
      await server.waitForLog(/event=msg\.failed .*rcpt=bad4@pf\.test .*status=5\.1\.1/);
      for (const rcpt of good) {
        await server.waitForLog(
          new RegExp(`event=msg\\.delivered .*rcpt=${rcpt.replace(".", "\\.")} `),
        );
      }
    } finally {
      await server.stop();
      await postfix.stop();
    }
  },
});
