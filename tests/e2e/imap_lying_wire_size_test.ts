/**
 * A Maildir file whose name claims `,W=9999999999` (a CRLF size no file of
 * its `,S=` could have) is counted from its bytes: FETCH announces and sends
 * the same 21 bytes, RFC822.SIZE says so, and the session goes on.
 */
import assert from "node:assert/strict";
import { python, startServer } from "./harness.ts";

const SCRIPT = `
import imaplib, json, re, sys
c = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
c.login("bob@example.test", "secret")
c.select("INBOX", readonly=True)
typ, data = c.fetch("1", "(RFC822.SIZE BODY.PEEK[])")
head, body = data[0]
noop = c.noop()[0]
c.logout()
print(json.dumps({"head": head.decode(), "body": body.decode("latin1"), "noop": noop}))
`;

Deno.test("a file named ,W=9999999999 is FETCHed with the size of the bytes sent", async () => {
  const server = await startServer({
    users: { "bob@example.test": "secret" },
    flags: ["--insecure-auth"],
  });
  try {
    const cur = `${server.spoolDir}/mail/example.test/bob/cur`;
    Deno.mkdirSync(cur, { recursive: true });
    Deno.writeTextFileSync(
      `${cur}/1700000001.M1P1.dovecot,S=18,W=9999999999:2,S`,
      "Subject: dc\n\nbody\n",
    );
    const got = JSON.parse(await python(SCRIPT, [server.ports.imap!]));
    assert.match(got.head, /RFC822\.SIZE 21\b/);
    assert.match(got.head, /BODY\[\] \{21\}$/);
    assert.equal(got.body, "Subject: dc\r\n\r\nbody\r\n");
    assert.equal(got.noop, "OK", "the session is still in step");
  } finally {
    await server.stop();
  }
});
