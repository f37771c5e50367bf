/**
 * Every listener on the IPv6 loopback [::1]: the start-up log names each
 * address as the flags write it ([::1]:PORT, which reads back), and SMTP, POP3
 * and IMAP clients nobody here wrote work over IPv6, with the peer shown as an
 * RFC 5321 IPv6 address literal in the Received header.
 */
import assert from "node:assert/strict";
import { maildirFiles, python, startServer, waitUntil } from "./harness.ts";
import { sendWithSmtplib } from "./smtplib_send.ts";
import { hasIpv6Loopback } from "./story_helpers.ts";

const CLIENTS = `
import imaplib, poplib, sys
port_pop3, port_imap = int(sys.argv[1]), int(sys.argv[2])
pop = poplib.POP3("::1", port_pop3, timeout=30)
pop.user("bob@example.test")
pop.pass_("pw")
print("pop3", pop.stat()[0])
pop.quit()
imap = imaplib.IMAP4("::1", port_imap, timeout=30)
imap.login("bob@example.test", "pw")
print("imap", imap.select("INBOX")[1][0].decode())
imap.logout()
`;

Deno.test({
  name: "listeners on [::1] are logged as [::1]:PORT and serve SMTP, POP3 and IMAP over IPv6",
  ignore: !hasIpv6Loopback(),
}, async () => {
  const names = ["smtp", "submission", "pop3", "imap", "http"];
  const server = await startServer({
    users: { "bob@example.test": "pw" },
    flags: ["--insecure-auth", ...names.map((name) => `--${name}-listen=[::1]:0`)],
  });
  try {
    for (const name of names) {
      const line = await server.waitForLog(new RegExp(`event=listen proto=${name} `));
      assert.match(line, new RegExp(` addr=\\[::1\\]:${server.ports[name]} `), line);
    }
    await sendWithSmtplib({
      host: "::1",
      port: server.ports.smtp!,
      from: "alice@other.test",
      rcpts: ["bob@example.test"],
      messages: ["Subject: six\r\n\r\nover IPv6\r\n"],
      ehloName: "[IPv6:::1]",
    });
    await waitUntil(() => maildirFiles(server.spoolDir, "bob@example.test").length === 1);
    const file = maildirFiles(server.spoolDir, "bob@example.test")[0]!;
    const text = await Deno.readTextFile(file);
    assert.match(
      text,
      /^Return-Path: <alice@other\.test>\r\nReceived: from \[IPv6:::1\] \(\[IPv6:::1\]\)\r\n/,
    );
    const out = await python(CLIENTS, [server.ports.pop3!, server.ports.imap!]);
    assert.equal(out, "pop3 1\nimap 1\n");
  } finally {
    await server.stop();
  }
});
