/**
 * Dovecot 2.3 as an IMAP client of ours (its imapc storage: a strict one,
 * which logs an error for any reply it cannot take): `doveadm backup -R`
 * pulls a whole account out, then again after changes here, and
 * `doveadm import` pushes a Dovecot Maildir in. Skipped where doveadm is
 * not installed.
 */
import assert from "node:assert/strict";
import { DovecotUser, HAS_DOVEADM } from "./dovecot.ts";
import { python, type Server, startServer } from "./harness.ts";

const BOB = "bob@example.test";
const ignore = !HAS_DOVEADM;

function imapcSettings(server: Server): Record<string, string | number> {
  return {
    imapc_host: "127.0.0.1",
    imapc_port: server.ports.imap!,
    imapc_user: BOB,
    imapc_password: "pw-bob",
    imapc_features: "rfc822.size fetch-headers",
    imapc_list_prefix: "",
  };
}

/** Runs IMAP commands as bob (Python's imaplib, `c` logged in); prints what the script prints. */
function asBob(server: Server, script: string): Promise<string> {
  return python(
    `import imaplib, sys\nc = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))\n` +
      `c.login('${BOB}', 'pw-bob')\n${script}\nc.logout()\n`,
    [server.ports.imap!],
  );
}

/** Every message as IMAP gives it here: folder, subject, flags (no \Recent), RFC822.SIZE. */
async function ourMessages(server: Server): Promise<string[]> {
  const text = await asBob(
    server,
    `
import re
for line in c.list('""', '*')[1]:
    if b'\\\\Noselect' in line: continue
    folder = line.decode().split(' "." ')[-1].strip('"')
    if int(c.select(folder, readonly=True)[1][0]) == 0: continue
    for meta in c.fetch('1:*', '(FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])')[1]:
        if not isinstance(meta, tuple): continue
        flags = sorted(f for f in re.search(r'FLAGS \\(([^)]*)\\)', meta[0].decode()).group(1).split() if f != '\\\\Recent')
        size = re.search(r'RFC822.SIZE (\\d+)', meta[0].decode()).group(1)
        subject = meta[1].decode().strip()[len('Subject: '):]
        print(folder.replace('&APw-', '\\u00fc'), subject, ' '.join(flags), size, sep='|')
`,
  );
  return text.split("\n").filter((line) => line !== "").sort();
}

/** The same for Dovecot's copy. */
async function dovecotMessages(dovecot: DovecotUser): Promise<string[]> {
  const lines: string[] = [];
  for (const [folder, messages] of await dovecot.messages()) {
    for (const message of messages) {
      lines.push([folder, message.subject, message.flags.join(" "), message.size].join("|"));
    }
  }
  return lines.sort();
}

Deno.test({
  name:
    "doveadm backup -R with imapc pulls every folder, flag, keyword, 8-bit and large message, and again after changes here",
  ignore,
  async fn() {
    const server = await startServer({ users: { [BOB]: "pw-bob" }, flags: ["--insecure-auth"] });
    try {
      await asBob(
        server,
        `
big = b'Subject: big\\r\\n\\r\\n' + b''.join(b'%07d ' % i + b'x' * 70 + b'\\r\\n' for i in range(20000))
for folder in ['Work', 'Work.Projects', 'Entw&APw-rfe']: assert c.create(folder)[0] == 'OK'
for folder, flags, text in [
    ('INBOX', '(\\\\Seen $Forwarded)', b'Subject: one\\r\\n\\r\\nbody\\r\\n'),
    ('INBOX', '(\\\\Flagged \\\\Answered \\\\Draft $Junk Custom1)', b'Subject: two\\r\\n\\r\\n2\\r\\n'),
    ('INBOX', '()', b'Subject: eight\\r\\nContent-Type: text/plain; charset=utf-8\\r\\n\\r\\nb\\xc3\\xa4dy\\r\\n'),
    ('INBOX', '(\\\\Deleted)', b'Subject: three\\r\\n\\r\\n3\\r\\n'),
    ('Work.Projects', '(\\\\Seen $Important)', big),
    ('Entw&APw-rfe', '(\\\\Draft)', b'Subject: draft\\r\\n\\r\\nd\\r\\n'),
]:
    assert c.append(folder, flags, None, text)[0] == 'OK'
`,
      );
      const dovecot = new DovecotUser();
      const settings = imapcSettings(server);
      await dovecot.doveadm(["backup", "-R", "imapc:"], { settings });
      const ours = await ourMessages(server);
      assert.equal(ours.length, 6);
      assert.deepEqual(await dovecotMessages(dovecot), ours);
      const folders = await dovecot.folders();
      for (const folder of ["INBOX", "Work", "Work.Projects", "Entw\u00fcrfe", "Sent", "Trash"]) {
        assert.ok(folders.all.includes(folder), `${folder} in ${folders.all}`);
      }

      // Changes here: flags and keywords, an expunge, a new message, a new folder.
      await asBob(
        server,
        `
c.select('INBOX')
c.store('1', '-FLAGS', '($Forwarded)'); c.store('2', '+FLAGS', '(\\\\Seen NewKw)')
c.expunge()
assert c.create('Later')[0] == 'OK'
assert c.append('Later', '(\\\\Seen)', None, b'Subject: later\\r\\n\\r\\nl\\r\\n')[0] == 'OK'
`,
      );
      await dovecot.doveadm(["backup", "-R", "imapc:"], { settings });
      const after = await ourMessages(server);
      assert.equal(after.length, 6);
      assert.ok(!after.some((line) => line.includes("|three|")));
      assert.deepEqual(await dovecotMessages(dovecot), after);
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name:
    "doveadm import with imapc pushes a Dovecot Maildir in: every message, its flags and keywords",
  ignore,
  async fn() {
    const dovecot = new DovecotUser();
    await dovecot.doveadm(["mailbox", "create", "Work.Projects"]);
    await dovecot.save("INBOX", "Subject: one\n\nbody\n");
    await dovecot.save("INBOX", "Subject: two\n\n2\n");
    await dovecot.save("Work.Projects", "Subject: proj\n\np\n");
    await dovecot.doveadm(["flags", "add", "\\Seen $Forwarded", "mailbox", "INBOX", "uid", "1"]);
    await dovecot.doveadm([
      "flags",
      "add",
      "\\Flagged $Important",
      "mailbox",
      "Work.Projects",
      "uid",
      "1",
    ]);
    const server = await startServer({ users: { [BOB]: "pw-bob" }, flags: ["--insecure-auth"] });
    try {
      await dovecot.doveadm(["import", "-s", `maildir:${dovecot.maildir}`, "", "all"], {
        settings: { ...imapcSettings(server), mail_location: "imapc:" },
      });
      assert.deepEqual(await ourMessages(server), [
        "INBOX|one|$Forwarded \\Seen|22",
        "INBOX|two||19",
        "Work.Projects|proj|$Important \\Flagged|20",
      ]);
    } finally {
      await server.stop();
    }
  },
});
