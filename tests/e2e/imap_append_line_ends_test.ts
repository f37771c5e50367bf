/**
 * An APPEND whose message has bare LF line ends is stored with CRLF (RFC
 * 5322 2.3, RFC 9051 6.3.12): a second session FETCHes CRLF, an
 * RFC822.SIZE and BODYSTRUCTURE line counts of those bytes, and the
 * Maildir file and its name's S= hold the same. A lone CR stays, as
 * Dovecot keeps it. imaplib's append() would turn every bare LF and CR
 * into CRLF itself, so the script sets the literal as a client that does
 * not would send it.
 */
import assert from "node:assert/strict";
import { maildirFiles, python, startServer } from "./harness.ts";

const BOB = "bob@example.test";
const PASSWORD = "secret";

const SCRIPT = `
import imaplib, json, re, sys
port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
sent = [b"Subject: x\\n\\nbody\\n", b"Subject: y\\n\\na\\rb\\r\\nc\\n"]
a = imaplib.IMAP4("127.0.0.1", port)
a.login(user, password)
uids = []
for message in sent:
    a.literal = message  # as sent: append() would rewrite the line ends itself
    typ, _ = a._simple_command("APPEND", "INBOX")
    assert typ == "OK", typ
    uids.append(a.response("APPENDUID")[1][0].decode().split()[1])
a.logout()
b = imaplib.IMAP4("127.0.0.1", port)
b.login(user, password)
b.select("INBOX", readonly=True)
out = []
for uid in uids:
    whole = b.uid("FETCH", uid, "(RFC822)")[1][0][1]
    size = b.uid("FETCH", uid, "(RFC822.SIZE)")[1][0]
    structure = b.uid("FETCH", uid, "(BODYSTRUCTURE)")[1][0]
    out.append({"uid": uid, "rfc822": whole.decode("latin1"),
        "size": int(re.search(rb"RFC822\\.SIZE (\\d+)", size).group(1)),
        "bodystructure": re.search(rb"BODYSTRUCTURE (\\(.*\\))\\)$", structure).group(1).decode()})
b.logout()
print(json.dumps(out))
`;

Deno.test("APPEND with bare LFs: another session FETCHes CRLF, sized and structured as stored", async () => {
  const server = await startServer({ users: { [BOB]: PASSWORD }, flags: ["--insecure-auth"] });
  try {
    const read = JSON.parse(await python(SCRIPT, [server.ports.imap!, BOB, PASSWORD]));
    const stored = ["Subject: x\r\n\r\nbody\r\n", "Subject: y\r\n\r\na\rb\r\nc\r\n"];
    assert.deepEqual(read.map((m: { rfc822: string }) => m.rfc822), stored, "FETCH RFC822");
    assert.deepEqual(read.map((m: { size: number }) => m.size), [20, 22], "RFC822.SIZE");
    // A text/plain body: its octets and lines as stored ("body\r\n"; "a\rb\r\nc\r\n").
    assert.match(read[0].bodystructure, /^\("TEXT" "PLAIN" .* "7BIT" 6 1 /);
    assert.match(read[1].bodystructure, /^\("TEXT" "PLAIN" .* "7BIT" 8 2 /);
    const files = maildirFiles(server.spoolDir, BOB, "cur");
    const texts = files.map((path) => new TextDecoder("latin1").decode(Deno.readFileSync(path)));
    assert.deepEqual(texts.toSorted(), stored.toSorted(), "the Maildir files hold CRLF");
    for (const path of files) {
      const size = Deno.statSync(path).size;
      assert.match(path, new RegExp(`,S=${size}:2,$`), "the name's S= is the stored size");
      assert.doesNotMatch(path, /,W=/, "nothing to convert when served");
    }
  } finally {
    await server.stop();
  }
});
