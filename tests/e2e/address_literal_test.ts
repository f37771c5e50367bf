/**
 * Mail to an address literal goes to that address (RFC 5321 4.1.3), read as
 * the grammar says: each Snum of an IPv4 literal is a decimal number of up to
 * three digits, so [127.0.0.010] is 127.0.0.10, never 127.0.0.8 (octal, as
 * the system resolver reads a leading zero).
 */
import assert from "node:assert/strict";
import { python, startServer, waitUntil } from "./harness.ts";
import { sendWithSmtplib } from "./smtplib_send.ts";
import { startSink } from "./smtp_sink.ts";

Deno.test("mail to x@[127.0.0.010] is delivered to 127.0.0.10, not to 127.0.0.8", async () => {
  const decimal = await startSink({ listenAddress: "127.0.0.10" });
  const octal = await startSink({ listenAddress: "127.0.0.8" }, decimal.port);
  const server = await startServer({ flags: [`--remote-smtp-port=${decimal.port}`] });
  try {
    await sendWithSmtplib({
      port: server.ports.smtp!,
      from: "alice@example.test",
      rcpts: ["bob@[127.0.0.010]"],
      messages: ["From: alice@example.test\r\nSubject: literal\r\n\r\nhi\r\n"],
    });
    await server.waitForLog(/event=msg\.(delivered|deferred|failed) .*rcpt=bob@/);
    await waitUntil(() => decimal.transactions.length + octal.transactions.length > 0);
    assert.deepEqual(octal.transactions.map((tx) => tx.rcpts), []);
    assert.deepEqual(decimal.transactions.map((tx) => tx.rcpts), [["bob@[127.0.0.010]"]]);
  } finally {
    await server.stop();
    await decimal.close();
    await octal.close();
  }
});

// RFC 5321 4.1.3: "::" stands beside at most 6 groups, or at most 4 before an IPv4
// address; a longer literal is bad address syntax, refused like "[999.1.1.1]".
const IPV6_REPLIES = `
import json, smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
s.ehlo("client.test")
out = {"mail": s.docmd("MAIL FROM:<a@[IPv6:1:2:3:4:5:6::7]>")[0]}
s.docmd("MAIL FROM:<a@example.test>")
for rcpt in ["x@[IPv6:1:2:3:4:5:6::7]", "x@[IPv6:1:2:3:4:5::192.0.2.1]", "x@[999.1.1.1]",
             "x@[IPv6:1:2:3:4:5::6]", "x@[IPv6:1:2:3:4::192.0.2.1]"]:
    code, text = s.docmd("RCPT TO:<%s>" % rcpt)
    out[rcpt] = "%d %s" % (code, text.decode().split(" ")[0])
s.quit()
print(json.dumps(out))
`;

Deno.test("an IPv6 literal with too many groups beside '::' is refused as bad syntax", async () => {
  const server = await startServer();
  try {
    const out = JSON.parse(await python(IPV6_REPLIES, [server.ports.smtp!]));
    assert.deepEqual(out, {
      mail: 553,
      "x@[IPv6:1:2:3:4:5:6::7]": "553 5.1.3",
      "x@[IPv6:1:2:3:4:5::192.0.2.1]": "553 5.1.3",
      "x@[999.1.1.1]": "553 5.1.3",
      "x@[IPv6:1:2:3:4:5::6]": "250 2.1.5",
      "x@[IPv6:1:2:3:4::192.0.2.1]": "250 2.1.5",
    });
  } finally {
    await server.stop();
  }
});
