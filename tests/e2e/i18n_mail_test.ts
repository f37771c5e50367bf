/**
 * Internationalised domains end to end (RFC 5890, RFC 6531): a domain written
 * in U-labels (`bücher.test`) and in A-labels (`xn--bcher-kva.test`) is one
 * domain, for local mail, accounts and logins, driven by Python's clients.
 */
import assert from "node:assert/strict";
import { maildirFiles, python, runCli, startServer, waitUntil } from "./harness.ts";
import { startSink } from "./smtp_sink.ts";

const ACCOUNT = "joerg@xn--bcher-kva.test";
const DOMAIN_FLAGS = [
  "--domains=example.test,xn--bcher-kva.test",
  "--relay-networks=",
  "--insecure-auth",
];

Deno.test("mail to the U-label spelling of a local A-label domain reaches the account, which logs in by either spelling", async () => {
  const server = await startServer({ users: { [ACCOUNT]: "secret" }, flags: DOMAIN_FLAGS });
  try {
    const out = await python(
      `
import poplib, smtplib, sys
smtp = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
smtp.ehlo("client.test")
refused = smtp.sendmail("alice@elsewhere.test", ["joerg@BÜCHER.test"],
    b"Subject: hallo\\r\\n\\r\\nhallo\\r\\n", mail_options=["SMTPUTF8"])
print(refused)
smtp.quit()
pop = poplib.POP3("127.0.0.1", int(sys.argv[2]))
pop.user("joerg@bücher.test")
print(pop.pass_("secret").decode())
pop.quit()
`,
      [server.ports.smtp!, server.ports.pop3!],
    );
    const [refused, login] = out.trim().split("\n");
    assert.equal(refused, "{}");
    assert.match(login ?? "", /^\+OK/);
    await waitUntil(() => maildirFiles(server.spoolDir, ACCOUNT).length === 1, 10_000, "delivery");
  } finally {
    await server.stop();
  }
});

Deno.test("mail to a U-label domain goes to a peer without SMTPUTF8 with the domain in A-labels, not bounced 5.6.7", async () => {
  const sink = await startSink({ smtputf8: false });
  const server = await startServer({
    flags: [`--route=xn--bcher-kva.example=127.0.0.1:${sink.port}`],
  });
  try {
    await python(
      `
import smtplib, sys
smtp = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
smtp.sendmail("alice@example.test", ["bob@bücher.example"], b"Subject: hi\\r\\n\\r\\nhi\\r\\n",
    mail_options=["SMTPUTF8"])
smtp.quit()
`,
      [server.ports.smtp!],
    );
    // Delivered or bounced, whichever comes: a bounce would name the sender's domain.
    await server.waitForLog(/event=msg\.(delivered|bounced) /);
    assert.equal(sink.transactions.length, 1);
    assert.deepEqual(sink.transactions[0]!.rcpts, ["bob@xn--bcher-kva.example"]);
    assert.doesNotMatch(sink.transactions[0]!.mailParams, /SMTPUTF8/);
  } finally {
    await server.stop();
    await sink.close();
  }
});

Deno.test("RCPT to a domain with no valid A-label form is refused at once (RFC 5891 4.2), not queued to wait on DNS", async () => {
  const server = await startServer();
  try {
    const out = await python(
      `
import smtplib, sys
smtp = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
smtp.ehlo("client.test")
smtp.mail("alice@example.test", ["SMTPUTF8"])
code, text = smtp.rcpt(sys.argv[2])
print(code, text.decode())
smtp.quit()
`,
      [server.ports.smtp!, "bob@한中ψżあ€żłğøहşż中şşşџжア한ψжაçџö.example"],
    );
    assert.match(out, /^553 5\.1\.3 /);
  } finally {
    await server.stop();
  }
});

Deno.test("pillarbox sendmail delivers UTF-8 text byte for byte (ß, €: bytes 0x80..0x9F), to a U-label address", async () => {
  const server = await startServer({ users: { [ACCOUNT]: "secret" }, flags: DOMAIN_FLAGS });
  try {
    const subject = "Subject: Grüße aus Köln, 5 €\n";
    const body = "Straße — Ärger ½ €\n";
    const result = await runCli(
      ["sendmail", `--spool-dir=${server.spoolDir}`, ...DOMAIN_FLAGS, "-t"],
      { stdin: `From: alice@example.test\nTo: Jörg <joerg@BÜCHER.test>\n${subject}\n${body}` },
    );
    assert.equal(result.code, 0, result.stderr);
    await waitUntil(() => maildirFiles(server.spoolDir, ACCOUNT).length === 1, 10_000, "delivery");
    const text = new TextDecoder("utf-8", { fatal: true }).decode(
      Deno.readFileSync(maildirFiles(server.spoolDir, ACCOUNT)[0]!),
    );
    assert.ok(text.includes(subject.replace("\n", "\r\n")), text);
    assert.ok(text.endsWith(`\r\n\r\n${body.replace("\n", "\r\n")}`), text);
  } finally {
    await server.stop();
  }
});

Deno.test("a remote recipient named in U-labels and again in A-labels gets one copy, as two cases of one address do", async () => {
  const sink = await startSink({ smtputf8: true });
  const server = await startServer({
    flags: [`--route=xn--bcher-kva.example=127.0.0.1:${sink.port}`],
  });
  try {
    await python(
      `
import smtplib, sys
smtp = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
smtp.sendmail("alice@example.test", ["bob@bücher.example", "bob@xn--bcher-kva.example"],
    b"Subject: hi\\r\\n\\r\\nhi\\r\\n", mail_options=["SMTPUTF8"])
smtp.quit()
`,
      [server.ports.smtp!],
    );
    await server.waitForLog(/event=msg\.(delivered|bounced) /);
    assert.equal(sink.transactions.length, 1);
    assert.deepEqual(sink.transactions[0]!.rcpts, ["bob@bücher.example"]);
  } finally {
    await server.stop();
    await sink.close();
  }
});
