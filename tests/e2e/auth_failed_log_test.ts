/**
 * The README's fail2ban filter, `failregex = event=auth\.failed ip=<HOST>`,
 * must match a failed login on every protocol that takes passwords: SMTP,
 * POP3 and IMAP all log `event=auth.failed ip=ADDR` with nothing in between.
 */
import assert from "node:assert/strict";
import { makeTestFile } from "../temp_dirs.ts";
import { python, startServer } from "./harness.ts";

/** fail2ban's <HOST> for an IPv4 client, as the README's failregex uses it. */
const FAILREGEX = /event=auth\.failed ip=(?<host>\d+\.\d+\.\d+\.\d+) /;

const CLIENTS = `
import base64, imaplib, poplib, smtplib, sys
smtp, pop3, imap = (int(port) for port in sys.argv[1:4])
try:
    imaplib.IMAP4("127.0.0.1", imap).login("bob@example.test", "wrong")
except imaplib.IMAP4.error:
    print("imap refused")
try:
    client = poplib.POP3("127.0.0.1", pop3)
    client.user("bob@example.test")
    client.pass_("wrong")
except poplib.error_proto:
    print("pop3 refused")
try:
    client = poplib.POP3("127.0.0.1", pop3)
    client._shortcmd("AUTH PLAIN " + base64.b64encode(b"\\0bob@example.test\\0wrong").decode())
except poplib.error_proto:
    print("pop3 plain refused")
try:
    client = imaplib.IMAP4("127.0.0.1", imap)
    client.authenticate("PLAIN", lambda _: b"\\0bob@example.test\\0wrong")
except imaplib.IMAP4.error:
    print("imap plain refused")
try:
    client = smtplib.SMTP("127.0.0.1", smtp)
    client.ehlo()
    client.auth("PLAIN", lambda challenge=None: "\\0bob@example.test\\0wrong")
except smtplib.SMTPAuthenticationError:
    print("smtp refused")
`;

Deno.test("a failed login on SMTP, POP3 and IMAP each logs a line the README's fail2ban failregex matches", async () => {
  const server = await startServer({
    users: { "bob@example.test": "right" },
    flags: ["--insecure-auth", "--domains=example.test"],
  });
  try {
    const printed = await python(CLIENTS, [
      server.ports.smtp!,
      server.ports.pop3!,
      server.ports.imap!,
    ]);
    assert.equal(
      printed,
      "imap refused\npop3 refused\npop3 plain refused\nimap plain refused\nsmtp refused\n",
    );
    for (const proto of ["smtp", "pop3", "imap"]) {
      const lines = await server.waitForLog(new RegExp(`event=auth\\.failed .*proto=${proto}\\b`));
      assert.match(lines, FAILREGEX, `${proto}: ${lines}`);
    }
    const failed = server.log().split("\n").filter((line) => line.includes("event=auth.failed"));
    assert.equal(failed.length, 5, failed.join("\n"));
    for (const line of failed) {
      assert.equal(FAILREGEX.exec(line)?.groups?.host, "127.0.0.1", line);
    }
  } finally {
    await server.stop();
  }
});

/** A client on port 25, no login, naming a victim's address in every field it can. */
const FORGER = `
import smtplib, sys
victim = "event=auth.failed ip=192.0.2.66 "
client = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
client.ehlo("forger.test")
print(client.mail('<"a ' + victim + '"@remote.test>')[0])
print(client.rcpt('<"b ' + victim + '"@example.test>')[0])
print(client.rcpt("<bob@example.test>")[0])
print(client.data(b"Subject: " + victim.encode() + b"\\r\\n\\r\\nhi\\r\\n")[0])
client.quit()
`;

/** Whether fail2ban's own tester is installed (Debian package fail2ban). */
const hasFail2banRegex = (() => {
  try {
    return new Deno.Command("fail2ban-regex", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    })
      .outputSync().success;
  } catch {
    return false;
  }
})();

/** Sends FORGER's mail and returns the server's log once the message is queued. */
async function forgedLog(): Promise<string> {
  const server = await startServer({ users: { "bob@example.test": "right" } });
  try {
    assert.equal(await python(FORGER, [server.ports.smtp!]), "250\n550\n250\n250\n");
    await server.waitForLog(/event=msg\.queued /);
    return server.log();
  } finally {
    await server.stop();
  }
}

Deno.test("a client's quoted local parts in MAIL and RCPT never match the README's failregex (fail2ban would ban the address they name)", async () => {
  const log = await forgedLog();
  assert.match(log, /event=smtp\.rcpt_refused .*rcpt="\\"b event\\u003dauth.failed ip\\u003d192/);
  const hosts = [...log.matchAll(new RegExp(FAILREGEX, "g"))].map((match) => match.groups?.host);
  assert.deepEqual(hosts, [], log);
});

Deno.test({
  name: "fail2ban-regex, with the README's failregex, finds no failure in a forger's log",
  ignore: !hasFail2banRegex,
  fn: async () => {
    const logFile = makeTestFile({ suffix: ".log" });
    await Deno.writeTextFile(logFile, await forgedLog());
    const output = await new Deno.Command("fail2ban-regex", {
      args: [logFile, "event=auth\\.failed ip=<HOST>"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(output.stdout);
    assert.ok(output.success, text);
    assert.match(text, /Lines: \d+ lines, 0 ignored, 0 matched/, text);
  },
});
