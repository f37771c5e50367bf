/**
 * Message files whose names give a size that is not theirs: a `,W=` (or one
 * of our `,S=`) that lies, as after a file was edited under its name. A FETCH
 * announces a literal's size before its bytes (RFC 9051 4.3), so the first
 * whole-message FETCH of a big one either ends its literal early, cutting
 * the message, or cannot end it and closes the connection. Either way the
 * file is counted again then, and from the next FETCH on the client gets
 * all of it, RFC822.SIZE (RFC 9051 7.5.2) the length of BODY[]; a small one,
 * read whole before its size is sent, gets the right RFC822.SIZE at once.
 */
import assert from "node:assert/strict";
import { mailboxDir } from "../../src/mailbox/mod.ts";
import { python, startServer, tempDir } from "./harness.ts";

const BOB = "bob@example.test";

/** A message of about `bytes` with LF (or CRLF) line ends. */
function message(bytes: number, eol: string): string {
  const lines = ["Subject: wrong size", ""];
  for (let i = 0; lines.length * 60 < bytes; i++) lines.push(`line ${i} `.padEnd(58, "x"));
  return lines.join(eol) + eol;
}

const crlf = (text: string) => text.replace(/(?<!\r)\n/g, "\r\n");

const big = message(2_000_000, "\n");
const small = message(3_000, "\n");
const ours = message(1_500_000, "\r\n");
/** Each file: its name (`$S` its size, `$W` its served size) and its text, in UID order. */
const FILES = [
  { name: "cur/1700000001.M1P1.host,S=$S,W=$W+100:2,S", text: big },
  { name: "cur/1700000002.M2P2.host,S=$S,W=$W-100:2,S", text: big },
  { name: "cur/1700000003.M3P3.host,S=$S,W=$W+7:2,S", text: small },
  { name: "cur/1700000004.M4P5Q6.host,S=$S+50:2,S", text: ours },
];

const FETCH_TWICE = `
import imaplib, sys, re
port, count = int(sys.argv[1]), int(sys.argv[2])
out = []
for n in range(1, count + 1):
    tries = []
    for attempt in range(2):
        c = imaplib.IMAP4("127.0.0.1", port); c.login("${BOB}", "pw-bob"); c.select("INBOX")
        try:
            head, body = c.fetch(str(n), "(RFC822.SIZE BODY.PEEK[])")[1][0]
            size = int(re.search(rb"RFC822.SIZE (\\d+)", head).group(1))
            tries.append({"size": size, "body": body.decode("latin1")})
            c.logout()
        except imaplib.IMAP4.abort:
            tries.append("closed")
    out.append(tries)
print(__import__("json").dumps(out))
`;

Deno.test("a file whose name gives the wrong size is counted again once a FETCH finds it out: the next FETCH sends all of it at its real size", async () => {
  const spoolDir = tempDir();
  const dir = mailboxDir(spoolDir, BOB);
  for (const sub of ["tmp", "new", "cur"]) Deno.mkdirSync(`${dir}/${sub}`, { recursive: true });
  for (const { name, text } of FILES) {
    const file = name.replace("$S", String(text.length)).replace("$W", String(crlf(text).length))
      .replace(/=(\d+)([+-]\d+)/, (_, size, off) => `=${Number(size) + Number(off)}`);
    Deno.writeTextFileSync(`${dir}/${file}`, text);
  }
  const server = await startServer({
    spoolDir,
    users: { [BOB]: "pw-bob" },
    flags: ["--insecure-auth"],
  });
  try {
    const out = JSON.parse(await python(FETCH_TWICE, [server.ports.imap!, FILES.length]));
    // Said too big: the literal cannot be ended; said too small: it ends early.
    assert.equal(out[0][0], "closed");
    assert.equal(out[1][0].body, crlf(big).slice(0, crlf(big).length - 100));
    assert.equal(out[3][0], "closed");
    for (const [i, { text }] of FILES.entries()) {
      const last = out[i][1];
      assert.equal(last.body, crlf(text), `file ${i + 1}`);
      assert.equal(last.size, crlf(text).length, `file ${i + 1}`);
    }
    // Small: read whole before its response, so the first FETCH is right already.
    assert.deepEqual(out[2][0], out[2][1]);
  } finally {
    await server.stop();
  }
});
