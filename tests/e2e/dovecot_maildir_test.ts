/**
 * Moving a mailbox between Dovecot 2.3 and Pillarbox through the Maildir
 * itself (README "Mailboxes and POP3": the Maildir is the contract): one a
 * real Dovecot built, copied into our spool with the server stopped or
 * running, read back over IMAP; and the way out, Dovecot reading what we
 * left. Skipped where doveadm is not installed.
 */
import assert from "node:assert/strict";
import { mailboxDir } from "../../src/mailbox/mod.ts";
import { copyTree, DovecotUser, HAS_DOVEADM, serverOnCopyOf } from "./dovecot.ts";
import { python, type Server, startServer } from "./harness.ts";

const BOB = "bob@example.test";
const ignore = !HAS_DOVEADM;

/** Each folder's messages as Dovecot built them: subject, flags (keywords too), LF line ends. */
const BUILT: Record<string, { subject: string; flags: string[]; body: string }[]> = {
  INBOX: [
    { subject: "one", flags: ["\\Seen", "$Forwarded"], body: "body one\n" },
    {
      subject: "two",
      flags: ["\\Answered", "\\Flagged", "\\Draft", "$Junk", "Custom1"],
      body: "2\n",
    },
    { subject: "three", flags: ["\\Deleted"], body: "three\n" },
    { subject: "four", flags: [], body: "b\u00e4dy in 8 bits\n" },
  ],
  Sent: [{ subject: "sent", flags: ["\\Seen"], body: "sent\n" }],
  "Work.Projects": [{ subject: "proj", flags: ["\\Seen", "$Important"], body: "proj\n" }],
  "Entw\u00fcrfe": [{ subject: "draft", flags: ["\\Draft"], body: "draft\n" }],
};

function messageText(subject: string, body: string): string {
  return `From: a@example.org\nSubject: ${subject}\nContent-Type: text/plain; charset=utf-8\n` +
    `Content-Transfer-Encoding: 8bit\n\n${body}`;
}

/** A Maildir made by Dovecot (doveadm save, flags add, mailbox create/subscribe). */
async function dovecotMaildir(): Promise<DovecotUser> {
  const dovecot = new DovecotUser();
  await dovecot.doveadm(["mailbox", "create", "Work", "Work.Projects", "Entw\u00fcrfe", "Sent"]);
  await dovecot.doveadm(["mailbox", "subscribe", "Work.Projects", "Sent"]);
  for (const [folder, messages] of Object.entries(BUILT)) {
    for (const [i, message] of messages.entries()) {
      await dovecot.save(folder, messageText(message.subject, message.body));
      if (message.flags.length === 0) continue;
      await dovecot.doveadm([
        "flags",
        "add",
        message.flags.join(" "),
        "mailbox",
        folder,
        "uid",
        `${i + 1}`,
      ]);
    }
  }
  return dovecot;
}

/** What an IMAP client sees of bob's account: folders, subscriptions, each message. */
const IMAP_VIEW = `
import imaplib, json, sys, re
c = imaplib.IMAP4('127.0.0.1', int(sys.argv[1])); c.login('${BOB}', 'pw-bob')
name = lambda line: line.decode().split(' "." ')[-1].strip('"')
listed = [(name(l), l.decode()) for l in c.list('""', '*')[1]]
view = {'list': sorted(n for n, l in listed if '\\\\Noselect' not in l),
        'lsub': sorted(name(l) for l in c.lsub('""', '*')[1]), 'folders': {}}
for folder in view['list']:
    count = int(c.select(folder)[1][0])
    out = []
    if count:
        data = c.fetch('1:*', '(FLAGS BODY.PEEK[])')[1]
        for meta, body in [d for d in data if isinstance(d, tuple)]:
            flags = re.search(r'FLAGS \\(([^)]*)\\)', meta.decode()).group(1).split()
            out.append({'flags': sorted(f for f in flags if f != '\\\\Recent'), 'text': body.decode()})
    view['folders'][folder] = sorted(out, key=lambda m: m['text'])
if len(sys.argv) > 2:
    c.select('INBOX'); exec(sys.argv[2])
c.logout()
print(json.dumps(view))
`;

interface ImapView {
  list: string[];
  lsub: string[];
  folders: Record<string, { flags: string[]; text: string }[]>;
}

async function imapView(server: Server, then?: string): Promise<ImapView> {
  return JSON.parse(await python(IMAP_VIEW, [server.ports.imap!, ...then ? [then] : []]));
}

/** The IMAP folder name (modified UTF-7) of a folder name Dovecot prints. */
const imapName = (folder: string) => folder.replace("\u00fc", "&APw-");

function assertEveryMessageOnce(view: ImapView): void {
  for (const [folder, messages] of Object.entries(BUILT)) {
    const expected = messages
      .map((message) => ({
        flags: [...message.flags].sort(),
        // Stored with LF, served with CRLF as Dovecot itself serves them (RFC 9051 2.2).
        text: messageText(message.subject, message.body).replaceAll("\n", "\r\n"),
      }))
      .sort((a, b) => a.text < b.text ? -1 : 1);
    assert.deepEqual(view.folders[imapName(folder)], expected, folder);
  }
}

Deno.test({
  name:
    "a Maildir Dovecot made, copied into a stopped server's spool: every message once, served with CRLF as Dovecot serves it, with its flags, keywords, folders and subscriptions",
  ignore,
  async fn() {
    const dovecot = await dovecotMaildir();
    const server = await serverOnCopyOf(dovecot.maildir);
    try {
      const view = await imapView(
        server,
        "c.store(c.search(None, 'SUBJECT', 'four')[1][0].decode(), '+FLAGS', '(\\\\Seen NewKw)')",
      );
      assertEveryMessageOnce(view);
      for (const folder of ["Work", "Work.Projects", "Entw&APw-rfe", "Sent", "Trash", "Drafts"]) {
        assert.ok(view.list.includes(folder), `${folder} listed`);
      }
      // Dovecot's subscriptions, with the special-use folders ours adds at the first login.
      for (const folder of ["Work.Projects", "Sent", "INBOX"]) {
        assert.ok(view.lsub.includes(folder), `${folder} subscribed: ${view.lsub}`);
      }
      assert.ok(!view.lsub.includes("Entw&APw-rfe"));
    } finally {
      await server.stop();
    }
    // The way back: Dovecot reads the Maildir as we left it, our change included.
    const back = new DovecotUser();
    await back.copyMaildirFrom(mailboxDir(server.spoolDir, BOB));
    const messages = await back.messages();
    assert.deepEqual(messages.get("INBOX")!.map((message) => message.flags), [
      ["NewKw", "\\Seen"],
      ["$Forwarded", "\\Seen"],
      ["\\Deleted"],
      ["$Junk", "Custom1", "\\Answered", "\\Draft", "\\Flagged"],
    ]);
    assert.deepEqual(messages.get("Work.Projects")!.map((message) => message.flags), [
      ["$Important", "\\Seen"],
    ]);
    assert.deepEqual(messages.get("Entw\u00fcrfe")!.map((message) => message.flags), [["\\Draft"]]);
  },
});

Deno.test({
  name:
    "a Dovecot Maildir copied over an account whose INBOX the running server has loaded keeps Dovecot's keywords, and a new one takes the next letter",
  ignore,
  async fn() {
    const dovecot = await dovecotMaildir();
    const server = await startServer({ users: { [BOB]: "pw-bob" }, flags: ["--insecure-auth"] });
    try {
      // The first login loads INBOX (empty, no keywords) and keeps it cached.
      const before = await imapView(server);
      assert.deepEqual(before.folders.INBOX, []);
      await copyTree(`${dovecot.maildir}/.`, mailboxDir(server.spoolDir, BOB));
      const view = await imapView(server, "c.store('3', '+FLAGS', '(Zzz)')");
      assertEveryMessageOnce(view);
      const keywords = Deno.readTextFileSync(
        `${mailboxDir(server.spoolDir, BOB)}/dovecot-keywords`,
      );
      assert.equal(keywords, "0 $Forwarded\n1 $Junk\n2 Custom1\n3 Zzz\n");
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name:
    "mail Dovecot imported from an mbox keeps its received date as INTERNALDATE (Dovecot keeps it in the file's mtime), and SEARCH BEFORE finds it",
  ignore,
  async fn() {
    const dovecot = new DovecotUser();
    await dovecot.importMbox(
      "From a@example.org  Wed Jan  1 10:00:00 2020\nSubject: old\n\nold\n\n",
    );
    await dovecot.save("INBOX", "Subject: new\n\nnew\n");
    const server = await serverOnCopyOf(dovecot.maildir);
    try {
      const out = await python(
        `import imaplib, sys
c = imaplib.IMAP4('127.0.0.1', int(sys.argv[1])); c.login('${BOB}', 'pw-bob'); c.select('INBOX')
for part in c.fetch('1:*', '(INTERNALDATE BODY.PEEK[HEADER.FIELDS (SUBJECT)])')[1]:
    if isinstance(part, tuple): print(part[0].decode().split('"')[1], part[1].decode().strip())
print('before 2021:', c.search(None, 'BEFORE', '1-Jan-2021')[1][0].decode())`,
        [server.ports.imap!],
      );
      const lines = out.trim().split("\n");
      assert.equal(lines[0], "01-Jan-2020 10:00:00 +0000 Subject: old");
      assert.match(lines[1]!, /^\d\d-\w{3}-(\d{4}) .* Subject: new$/);
      assert.notEqual(lines[1]!.slice(7, 11), "2020");
      assert.equal(lines[2], "before 2021: 1");
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name:
    "the way out: a message APPENDed here with a date, and its COPY, show that date in Dovecot (it reads the file's mtime)",
  ignore,
  async fn() {
    const server = await startServer({ users: { [BOB]: "pw-bob" }, flags: ["--insecure-auth"] });
    try {
      await python(
        `import imaplib, sys
c = imaplib.IMAP4('127.0.0.1', int(sys.argv[1])); c.login('${BOB}', 'pw-bob')
assert c.append('INBOX', None, '"01-Jan-2020 10:00:00 +0000"', b'Subject: old\\r\\n\\r\\nold\\r\\n')[0] == 'OK'
c.select('INBOX'); assert c.copy('1', 'Archive')[0] == 'OK'`,
        [server.ports.imap!],
      );
    } finally {
      await server.stop();
    }
    const dovecot = new DovecotUser();
    await dovecot.copyMaildirFrom(mailboxDir(server.spoolDir, BOB));
    const out = await dovecot.doveadm(["-f", "flow", "fetch", "mailbox date.received", "all"]);
    assert.deepEqual(out.trim().split("\n").sort(), [
      "mailbox=Archive date.received=2020-01-01 10:00:00",
      "mailbox=INBOX date.received=2020-01-01 10:00:00",
    ]);
  },
});
