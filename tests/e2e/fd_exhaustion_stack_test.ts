/**
 * Out of file descriptors, a mail file that cannot be opened is a transient
 * error for that one command, logged with its stack; the server stays up.
 * (Deno reads a module's source map the first time a stack runs through it;
 * unable to open that file it panicked and the process ended, so a client
 * who used up the descriptors could end the server with a RETR.)
 */
import assert from "node:assert/strict";
import { maildirFiles, python, startServer, waitUntil } from "./harness.ts";
import { CHOKE_PY, HAS_PRLIMIT } from "./prlimit.ts";
import { sendWithSmtplib } from "./smtplib_send.ts";

/** Logs in, runs one command while the server has no descriptor free, prints its reply. */
const CASES = [
  {
    name: "a POP3 RETR whose message cannot be opened gets -ERR [SYS/TEMP] and the server lives on",
    script: `
import poplib, sys
pid, port = int(sys.argv[1]), int(sys.argv[2])
p = poplib.POP3("127.0.0.1", port, timeout=10)
p.user("bob@example.test"); p.pass_("pw")
before = choke(pid)
try:
    p._putcmd("RETR 1")
    print(p.file.readline().decode().strip())
finally:
    unchoke(pid, before)
`,
    listener: "pop3",
    reply: /^-ERR \[SYS\/TEMP\] Local error, try again later/,
  },
  {
    name: "an IMAP FETCH whose message cannot be opened gets a tagged NO and the server lives on",
    script: `
import imaplib, sys
pid, port = int(sys.argv[1]), int(sys.argv[2])
m = imaplib.IMAP4("127.0.0.1", port, timeout=10)
m.login("bob@example.test", "pw"); m.select("INBOX")
before = choke(pid)
try:
    m.send(b"c1 FETCH 1 BODY[]\\r\\n")
    print(m.readline().decode().strip())
finally:
    unchoke(pid, before)
`,
    listener: "imap",
    reply: /^c1 NO /,
  },
];

for (const testCase of CASES) {
  Deno.test({
    name: testCase.name,
    ignore: !HAS_PRLIMIT,
    fn: async () => {
      const server = await startServer({
        users: { "bob@example.test": "pw" },
        flags: ["--insecure-auth"],
      });
      try {
        await sendWithSmtplib({
          port: server.ports.smtp!,
          from: "alice@remote.test",
          rcpts: ["bob@example.test"],
          messages: ["Subject: kept\r\n\r\nstill readable\r\n"],
        });
        await waitUntil(() => maildirFiles(server.spoolDir, "bob@example.test").length === 1);
        const reply = await python(CHOKE_PY + testCase.script, [
          server.pid,
          server.ports[testCase.listener]!,
        ]);
        assert.match(reply.trim(), testCase.reply);
        await server.waitForLog(/event=(pop3|imap)\.internal_error .*Too many open files/);
        // Descriptors free again: the same message is served whole.
        const body = await python(
          `
import poplib, sys
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
p.user("bob@example.test"); p.pass_("pw")
print(b"\\n".join(p.retr(1)[1]).decode())
p.quit()
`,
          [server.ports.pop3!],
        );
        assert.match(body, /still readable/);
      } finally {
        await server.stop();
      }
    },
  });
}
