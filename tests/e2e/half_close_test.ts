/**
 * A client that sends its last command and then half-closes the connection
 * (shutdown(SHUT_WR): "I have nothing more to say", as `nc -N` does after a
 * pipelined batch) still reads every reply. TCP keeps the other direction
 * open; a server that stops writing at the client's FIN drops replies it
 * owes, among them the 250 for a message it did accept: the client then
 * takes the message for refused and sends it again (a duplicate).
 */
import assert from "node:assert/strict";
import { maildirFiles, python, startServer, waitUntil } from "./harness.ts";

/** Sends `data`, half-closes, and prints everything the server sends until it closes. */
const HALF_CLOSE_CLIENT = `
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(sys.argv[2].encode().replace(b"|", b"\\r\\n"))
s.shutdown(socket.SHUT_WR)
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
sys.stdout.write(data.decode("latin-1"))
`;

/** Sends bob one message of `argv[2]` lines of 76 "z" with smtplib. */
const SEND_BIG = `
import smtplib, sys
text = "Subject: big\\r\\nFrom: a@remote.test\\r\\n\\r\\n" + ("z" * 76 + "\\r\\n") * int(sys.argv[2])
with smtplib.SMTP("127.0.0.1", int(sys.argv[1])) as client:
    client.sendmail("a@remote.test", ["bob@example.test"], text)
`;

Deno.test("a client that half-closes after its last command still reads every reply", async (t) => {
  const server = await startServer({
    users: { "bob@example.test": "pw" },
    flags: ["--insecure-auth"],
  });
  try {
    await t.step("SMTP: the 250 for a pipelined BDAT LAST reaches the client", async () => {
      const commands = "EHLO client.test|MAIL FROM:<a@remote.test>|" +
        "RCPT TO:<bob@example.test>|BDAT 7 LAST|Hi!\r\n|QUIT|";
      // The BDAT chunk is "Hi!" CRLF plus the "|" turned into CRLF: 7 octets.
      const out = await python(HALF_CLOSE_CLIENT, [server.ports.smtp!, commands]);
      assert.match(out, /^250 2\.0\.0 Ok: queued as \S+\r$/m, `replies: ${JSON.stringify(out)}`);
      assert.match(out, /^221 /m, `replies: ${JSON.stringify(out)}`);
      assert.equal(maildirFiles(server.spoolDir, "bob@example.test").length, 1);
    });

    await t.step("POP3: the replies to a pipelined login and STAT arrive", async () => {
      const commands = "USER bob@example.test|PASS pw|STAT|QUIT|";
      const out = await python(HALF_CLOSE_CLIENT, [server.ports.pop3!, commands]);
      assert.match(out, /^\+OK 1 \d+\r$/m, `replies: ${JSON.stringify(out)}`);
      assert.match(
        out,
        /\+OK mx\.test signing off[^\r\n]*\r\n$/,
        `the QUIT is answered last: ${JSON.stringify(out)}`,
      );
    });

    // A message bigger than one write slice (64 KB), so it goes out in pieces.
    const line = "z".repeat(76) + "\r\n";
    await python(SEND_BIG, [server.ports.smtp!, 1500]);
    await waitUntil(() => maildirFiles(server.spoolDir, "bob@example.test").length === 2);
    const bigEnd = `${line}${line}`;

    await t.step(
      "POP3: a pipelined RETR sends the whole message, then QUIT is answered",
      async () => {
        const commands = "USER bob@example.test|PASS pw|RETR 2|QUIT|";
        const out = await python(HALF_CLOSE_CLIENT, [server.ports.pop3!, commands]);
        assert.ok(
          out.includes(`${bigEnd}.\r\n+OK mx.test signing off`),
          `replies end: ${JSON.stringify(out.slice(-300))}`,
        );
      },
    );

    await t.step("IMAP: a pipelined FETCH of the message sends all of it", async () => {
      const commands =
        "a LOGIN bob@example.test pw|b SELECT INBOX|c FETCH 2 (BODY.PEEK[])|d LOGOUT|";
      const out = await python(HALF_CLOSE_CLIENT, [server.ports.imap!, commands]);
      assert.ok(
        out.includes(`${bigEnd})\r\nc OK `),
        `replies end: ${JSON.stringify(out.slice(-300))}`,
      );
      assert.match(out, /^d OK /m, `replies end: ${JSON.stringify(out.slice(-300))}`);
    });

    await t.step(
      "IMAP: a pipelined FETCH of both messages answers each before its OK",
      async () => {
        const commands =
          "a LOGIN bob@example.test pw|b SELECT INBOX|c FETCH 1:2 (BODY.PEEK[])|d LOGOUT|";
        const out = await python(HALF_CLOSE_CLIENT, [server.ports.imap!, commands]);
        assert.match(
          out,
          /^\* 1 FETCH \(BODY\[\] \{\d+\}\r$/m,
          `replies: ${JSON.stringify(out.slice(0, 900))}`,
        );
        assert.ok(
          out.includes(`${bigEnd})\r\nc OK `),
          `replies end: ${JSON.stringify(out.slice(-300))}`,
        );
      },
    );
  } finally {
    await server.stop();
  }
});
