/**
 * Message files other programs wrote with bare LF line ends (mutt, procmail,
 * getmail, Dovecot's LDA), dropped into a Maildir by hand: IMAP and POP3
 * serve each exactly as its CRLF twin, APPENDed here with CRLF, is served
 * (RFC 9051 2.2 and RFC 5322 2.2 speak CRLF; RFC 1939 11 counts the octets
 * sent): every FETCH item, partials across line ends, SEARCH LARGER and
 * SMALLER, SORT SIZE, STATUS SIZE, COPY and MOVE, POP3 LIST and RETR.
 */
import assert from "node:assert/strict";
import { mailboxDir } from "../../src/mailbox/mod.ts";
import { rawPop3Login } from "./pop3_raw_python.ts";
import { python, startServer, tempDir } from "./harness.ts";

const BOB = "bob@example.test";

/** The files, by the name another program gave them; `text` is what they hold. */
const FILES: { name: string; text: string }[] = [
  {
    name: "new/1700000001.12345_0.getmail",
    text: "From: a@example.org\nTo: bob@example.test\nSubject: lf multipart\nMIME-Version: 1.0\n" +
      'Content-Type: multipart/mixed; boundary="b"\n\npreamble\n--b\nContent-Type: text/plain\n\n' +
      "line one\nline two\n--b\nContent-Type: message/rfc822\n\nSubject: inner\n\ninner body\n" +
      "--b--\n",
  },
  {
    name: "cur/1700000002.M1P2.procmail:2,S",
    text: "Subject: mixed\r\nX-Lone: a\rb\n\r\nbody a\rb\nline\r\nlast\n",
  },
  { name: "cur/1700000003.M2P3.mutt:2,", text: "Subject: no final line end\n\nend" },
  { name: "new/1700000004.M3P4.crlf", text: "Subject: already crlf\r\n\r\nbody\r\n" },
  { name: "cur/1700000005.M4P5.dovecot,S=$S,W=$W:2,S", text: "Subject: dovecot\n\nbody\n\n" },
  { name: "new/1700000006.M5P6.empty", text: "" },
  // getmail6's names look like ours (M, P, Q, R), but R has 16 hex digits and there is no S=.
  {
    name: "new/1700000007.M54321P678Q1R0123456789abcdef.getmailhost",
    text: "Delivered-To: bob@example.test\nSubject: getmail\n\nbody\n",
  },
];

/** `text` with every bare LF made CRLF (a lone CR and a CRLF stay). */
const crlf = (text: string) => text.replace(/(?<!\r)\n/g, "\r\n");

/** The items compared between a file and its twin, each fetched alone. */
const ITEMS = [
  "RFC822.SIZE",
  "BODY.PEEK[]",
  "BODY.PEEK[HEADER]",
  "BODY.PEEK[TEXT]",
  "BODY.PEEK[1]",
  "BODY.PEEK[1.MIME]",
  "BODY.PEEK[2]",
  "BODY.PEEK[2.HEADER]",
  "BODY.PEEK[HEADER.FIELDS (SUBJECT)]",
  "BODYSTRUCTURE",
  "BODY",
  "ENVELOPE",
  "RFC822.HEADER",
  "RFC822.TEXT",
];

const READ = `
import sys, json, base64, imaplib, re, socket
imap_port, pop_port, count, items = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4])
b64 = lambda b: base64.b64encode(b).decode()
def flat(resp):
    out = b""
    for x in resp:
        out += x[0] + x[1] if isinstance(x, tuple) else x
    # The sequence number, and the FLAGS a first RFC822.TEXT adds (\\Seen), are not compared.
    return re.sub(rb" FLAGS \\([^)]*\\)", b"", re.sub(rb"^\\d+ ", b"", out))
c = imaplib.IMAP4("127.0.0.1", imap_port); c.login("${BOB}", "pw-bob"); c.select("INBOX")
out = {"fetch": [], "partials": [], "search": [], "sort": None, "status": None}
for n in range(1, 2 * count + 1):
    out["fetch"].append({item: b64(flat(c.fetch(str(n), "(" + item + ")")[1])) for item in items})
    whole = c.fetch(str(n), "(BODY.PEEK[])")[1][0][1]
    size = int(re.search(rb"RFC822.SIZE (\\d+)", c.fetch(str(n), "(RFC822.SIZE)")[1][0]).group(1))
    got = []
    for off in range(0, len(whole) + 2):
        for length in (1, 2, 3):
            got.append(b64(flat(c.fetch(str(n), "(BODY.PEEK[]<%d.%d>)" % (off, length))[1])))
    out["partials"].append(got)
    larger = c.search(None, "LARGER", str(size - 1))[1][0].split() if size > 0 else []
    smaller = c.search(None, "SMALLER", str(size + 1))[1][0].split()
    out["search"].append({"larger": str(n).encode() in larger, "smaller": str(n).encode() in smaller,
        "notLarger": str(n).encode() not in c.search(None, "LARGER", str(size))[1][0].split()})
typ, data = c._simple_command("SORT", "(SIZE)", "UTF-8", "ALL")
out["sort"] = c._untagged_response(typ, data, "SORT")[1][0].decode()
out["status"] = c.status("INBOX", "(SIZE MESSAGES)")[1][0].decode()
${rawPop3Login(BOB, "pw-bob")}
cmd("LIST"); listed = [int(l.split()[1]) for l in multi()]
retr = []
for n in range(1, len(listed) + 1):
    said = int(cmd("RETR %d" % n).split()[1]); raw = b64(b"".join(multi()))
    cmd("TOP %d 1" % n); retr.append({"said": said, "raw": raw, "top": b64(b"".join(multi()))})
cmd("QUIT")
out["pop"] = {"listed": listed, "retr": retr}
c.select("INBOX")
assert c.copy("1:%d" % count, "Archive")[0] == "OK"
assert c._simple_command("MOVE", "1:%d" % count, "Trash")[0] == "OK"
moved = []
for folder in ("Archive", "Trash"):
    c.select(folder, readonly=True)
    moved.append([{item: b64(flat(c.fetch(str(n), "(" + item + ")")[1])) for item in items}
                  for n in range(1, count + 1)])
out["moved"] = moved
c.logout()
print(json.dumps(out))
`;

const fromBase64 = (text: string) => new TextDecoder("latin1").decode(Uint8Array.fromBase64(text));

Deno.test("files with bare LFs other programs left in a Maildir are served over IMAP and POP3 as their CRLF twins are", async () => {
  const spoolDir = tempDir();
  const dir = mailboxDir(spoolDir, BOB);
  for (const sub of ["tmp", "new", "cur"]) Deno.mkdirSync(`${dir}/${sub}`, { recursive: true });
  for (const { name, text } of FILES) {
    const file = name.replace("$S", String(text.length)).replace("$W", String(crlf(text).length));
    Deno.writeFileSync(`${dir}/${file}`, Uint8Array.from(text, (c) => c.charCodeAt(0)));
  }
  const server = await startServer({
    spoolDir,
    users: { [BOB]: "pw-bob" },
    flags: ["--insecure-auth"],
  });
  try {
    // The twins: each file's text with CRLF, APPENDed (kept as sent), numbered after the files.
    await python(
      `import imaplib, sys, json, re
imaplib.MapCRLF = re.compile(rb"(?!)")  # imaplib makes a lone CR a CRLF: send the bytes as they are
c = imaplib.IMAP4("127.0.0.1", int(sys.argv[1])); c.login("${BOB}", "pw-bob"); c.select("INBOX")
for text in json.loads(sys.argv[2]):
    assert c.append("INBOX", None, None, text.encode("latin1"))[0] == "OK", text`,
      [server.ports.imap!, JSON.stringify(FILES.map(({ text }) => crlf(text) || "\r\n"))],
    );
    const count = FILES.length;
    const out = JSON.parse(
      await python(READ, [server.ports.imap!, server.ports.pop3!, count, JSON.stringify(ITEMS)]),
    );
    for (const [i, { name, text }] of FILES.entries()) {
      if (text === "") continue; // no APPEND of an empty message: its checks are below
      const [file, twin] = [out.fetch[i], out.fetch[i + count]];
      for (const item of ITEMS) {
        assert.equal(fromBase64(file[item]), fromBase64(twin[item]), `${name}: ${item}`);
      }
      assert.equal(
        fromBase64(file["BODY.PEEK[]"]).replace(/^\(BODY\[\] \{\d+\}/, ""),
        crlf(text) + ")",
      );
      assert.deepEqual(out.partials[i], out.partials[i + count], `${name}: partials`);
      assert.deepEqual(out.search[i], { larger: true, smaller: true, notLarger: true }, name);
      for (const [j, folder] of ["Archive", "Trash"].entries()) {
        for (const item of ITEMS) {
          assert.equal(
            fromBase64(out.moved[j][i][item]),
            fromBase64(twin[item]),
            `${folder}: ${name}: ${item}`,
          );
        }
      }
    }
    // The empty file: nothing to convert, size 0.
    const empty = FILES.findIndex(({ text }) => text === "");
    assert.equal(fromBase64(out.fetch[empty]["RFC822.SIZE"]), "(RFC822.SIZE 0)");
    const sizes = FILES.map(({ text }) => crlf(text).length);
    const twinSizes = FILES.map(({ text }) => (crlf(text) || "\r\n").length);
    const all = [...sizes, ...twinSizes];
    assert.equal(
      out.status,
      `INBOX (SIZE ${all.reduce((a, b) => a + b, 0)} MESSAGES ${2 * count})`,
    );
    const bySize = all.map((size, i) => ({ size, seq: i + 1 })).sort((a, b) =>
      a.size - b.size || a.seq - b.seq
    );
    assert.equal(out.sort, bySize.map(({ seq }) => seq).join(" "));
    // The copies keep the stored bytes, and names that say how they are served (Dovecot's W=).
    for (const folder of ["Archive", "Trash"]) {
      const copies = [...Deno.readDirSync(`${dir}/.${folder}/cur`)].map((entry) => ({
        name: entry.name,
        text: new TextDecoder("latin1").decode(
          Deno.readFileSync(`${dir}/.${folder}/cur/${entry.name}`),
        ),
      }));
      for (const { text } of FILES) {
        const copy = copies.find((file) => file.text === text);
        assert.ok(copy !== undefined, `${folder}: a copy of ${JSON.stringify(text.slice(0, 20))}`);
        const wire = crlf(text).length;
        assert.match(
          copy.name,
          new RegExp(`,S=${text.length}${wire === text.length ? "" : `,W=${wire}`}:2,`),
        );
      }
    }
    // POP3: LIST and RETR's status count the bytes RETR sends (RFC 1939 11), a file's as its twin's.
    for (const [i, { said, raw }] of out.pop.retr.entries()) {
      assert.equal(said, fromBase64(raw).length);
      assert.equal(said, out.pop.listed[i]);
    }
    for (const [i, { name, text }] of FILES.entries()) {
      if (text === "") continue;
      const sent = crlf(text) + (text.endsWith("\n") ? "" : "\r\n");
      assert.equal(fromBase64(out.pop.retr[i].raw), sent, `${name}: RETR`);
      assert.equal(fromBase64(out.pop.retr[i + count].raw), sent, `${name}'s twin: RETR`);
      // TOP n 1: the header section, the blank line and one body line (RFC 1939 7).
      const bodyStart = sent.indexOf("\r\n\r\n") + 4;
      const top = bodyStart < 4 ? sent : sent.slice(0, sent.indexOf("\r\n", bodyStart) + 2);
      assert.equal(fromBase64(out.pop.retr[i].top), top, `${name}: TOP`);
    }
  } finally {
    await server.stop();
  }
});
