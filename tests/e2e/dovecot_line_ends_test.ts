/**
 * Messages Dovecot 2.3 stored (with bare LFs, their CRLF size in the file
 * name's `,W=`), copied into our spool: IMAP and POP3 serve them with CRLF,
 * and every size a client sees is the one Dovecot gives for the same mail
 * (its `size.virtual`). Skipped where doveadm is not installed.
 */
import assert from "node:assert/strict";
import { mailboxDir } from "../../src/mailbox/mod.ts";
import { DovecotUser, HAS_DOVEADM, serverOnCopyOf } from "./dovecot.ts";
import { rawPop3Login } from "./pop3_raw_python.ts";
import { python } from "./harness.ts";

const BOB = "bob@example.test";

/** What Dovecot is given to save, by subject; the big one is streamed from its file here. */
const SAVED: Record<string, string> = {
  multipart: "From: a@example.org\nSubject: multipart\nMIME-Version: 1.0\n" +
    'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\none\ntwo\n' +
    "--b\nContent-Type: text/plain\n\nthree\n--b--\n",
  "no final line end": "From: a@example.org\nSubject: no final line end\n\nend",
  big: "From: a@example.org\nSubject: big\n\n" + ("y".repeat(70) + "\n").repeat(20_000),
};

const READ = `
import sys, json, base64, imaplib, re, socket
imap_port, pop_port = int(sys.argv[1]), int(sys.argv[2])
b64 = lambda b: base64.b64encode(b).decode()
c = imaplib.IMAP4("127.0.0.1", imap_port); c.login("${BOB}", "pw-bob")
count = int(c.select("INBOX", readonly=True)[1][0])
out = {"imap": [], "status": c.status("INBOX", "(SIZE)")[1][0].decode()}
for n in range(1, count + 1):
    size = int(re.search(rb"RFC822.SIZE (\\d+)", c.fetch(str(n), "(RFC822.SIZE)")[1][0]).group(1))
    whole = c.fetch(str(n), "(BODY.PEEK[])")[1][0][1]
    nl = whole.index(b"\\n")
    partial = c.fetch(str(n), "(BODY.PEEK[]<%d.3>)" % (nl - 2))[1][0][1]
    larger = c.search(None, "LARGER", str(size - 1))[1][0].split()
    not_larger = c.search(None, "LARGER", str(size))[1][0].split()
    out["imap"].append({"size": size, "whole": b64(whole), "partialAt": nl - 2, "partial": b64(partial),
                        "sizeSearch": str(n).encode() in larger and str(n).encode() not in not_larger})
c.select("INBOX")
assert c.copy("1:*", "Archive")[0] == "OK"
c.logout()
${rawPop3Login(BOB, "pw-bob")}
stat = int(cmd("STAT").split()[2])
cmd("LIST"); listed = [int(l.split()[1]) for l in multi()]
retr = [b64(b"".join(multi())) for n in range(1, len(listed) + 1) if cmd("RETR %d" % n)]
cmd("QUIT")
out["pop"] = {"stat": stat, "listed": listed, "retr": retr}
print(json.dumps(out))
`;

const latin1 = (data: Uint8Array) => new TextDecoder("latin1").decode(data);

Deno.test({
  name:
    "messages Dovecot stored with LF are served over IMAP and POP3 with CRLF, at the sizes Dovecot gives them",
  ignore: !HAS_DOVEADM,
  async fn() {
    const dovecot = new DovecotUser();
    for (const text of Object.values(SAVED)) await dovecot.save("INBOX", text);
    const virtualSizes = new Map(
      (await dovecot.messages()).get("INBOX")!.map(({ subject, size }) => [subject, size]),
    );
    const names = [...Deno.readDirSync(`${dovecot.maildir}/new`)].map((entry) => entry.name);
    assert.equal(names.filter((name) => /,S=\d+,W=\d+/.test(name)).length, 3, names.join(" "));
    const server = await serverOnCopyOf(dovecot.maildir);
    try {
      const out = JSON.parse(await python(READ, [server.ports.imap!, server.ports.pop3!]));
      assert.equal(out.imap.length, 3);
      let total = 0;
      for (const [i, read] of out.imap.entries()) {
        const whole = latin1(Uint8Array.fromBase64(read.whole));
        const subject = /^Subject: (.*?)\r?$/m.exec(whole)![1]!;
        const served = SAVED[subject]!.replaceAll("\n", "\r\n");
        assert.equal(whole, served, subject);
        assert.equal(read.size, served.length, `${subject}: RFC822.SIZE`);
        assert.equal(read.size, virtualSizes.get(subject), `${subject}: Dovecot's size`);
        assert.equal(
          latin1(Uint8Array.fromBase64(read.partial)),
          served.slice(read.partialAt, read.partialAt + 3),
          `${subject}: a partial across a line end`,
        );
        assert.ok(read.sizeSearch, `${subject}: LARGER`);
        const sent = served.endsWith("\r\n") ? served : served + "\r\n";
        assert.equal(latin1(Uint8Array.fromBase64(out.pop.retr[i])), sent, `${subject}: RETR`);
        assert.equal(out.pop.listed[i], sent.length, `${subject}: LIST`);
        total += read.size;
      }
      assert.equal(out.status, `INBOX (SIZE ${total})`);
      assert.equal(out.pop.stat, out.pop.listed.reduce((a: number, b: number) => a + b, 0));
    } finally {
      await server.stop();
    }
    // The way back: our copies keep Dovecot's LF bytes and name their CRLF size in ,W=, which
    // Dovecot reads as its own (it logs an error for a size it finds wrong: that fails here).
    const copies = [...Deno.readDirSync(`${mailboxDir(server.spoolDir, BOB)}/.Archive/cur`)];
    assert.equal(copies.filter((entry) => /,S=\d+,W=\d+:2,/.test(entry.name)).length, 3);
    const back = new DovecotUser();
    await back.copyMaildirFrom(mailboxDir(server.spoolDir, BOB));
    const archived = (await back.messages()).get("Archive")!;
    assert.deepEqual(
      archived.map(({ subject, size }) => [subject, size]),
      [...virtualSizes].sort(([a], [b]) => a.localeCompare(b)),
    );
    const bodies = await back.doveadm(["-f", "json", "fetch", "text", "mailbox", "Archive"]);
    for (const text of Object.values(SAVED)) {
      assert.ok(
        (JSON.parse(bodies) as { text: string }[]).some((row) =>
          row.text.includes(text.slice(-60))
        ),
      );
    }
  },
});
