/**
 * An IMAP client that had folders open in a real Dovecot 2.3 sees the same
 * UIDVALIDITY, UIDNEXT and UIDs in Pillarbox once the Maildir is copied in
 * (README "Moving from or to Dovecot"), so it keeps its cache; and Dovecot,
 * given the Maildir back, starts a new UIDVALIDITY rather than hand out our
 * UIDs again (RFC 9051 2.3.1.1). Skipped where doveadm is not installed.
 */
import assert from "node:assert/strict";
import { mailboxDir } from "../../src/mailbox/mod.ts";
import { DovecotUser, HAS_DOVEADM, serverOnCopyOf } from "./dovecot.ts";
import { python, tempDir } from "./harness.ts";
import { deliver } from "./imap_helpers.ts";
import { hasProgram } from "./tmux.ts";

const BOB = "bob@example.test";
const ignore = !HAS_DOVEADM;
const FOLDERS = ["INBOX", "Work", "Work.Projects"];

/** Per folder: UIDVALIDITY, UIDNEXT and [uid, subject] of each message, as an IMAP client sees them. */
type View = Record<string, { uidvalidity: number; uidnext: number; messages: [number, string][] }>;

/**
 * Logs in as `user` on `port` and SELECTs each folder (as a client syncing
 * would: Dovecot moves what is in new/ to cur/ then); `then` runs after.
 */
const VIEW = `
import imaplib, json, re, sys
c = imaplib.IMAP4('127.0.0.1', int(sys.argv[1])); c.login(sys.argv[2], 'pw-bob')
view = {}
for folder in json.loads(sys.argv[3]):
    assert c.select(folder)[0] == 'OK', folder
    folder_view = {'uidvalidity': int(c.response('UIDVALIDITY')[1][0]),
                   'uidnext': int(c.response('UIDNEXT')[1][0]), 'messages': []}
    typ, data = c.uid('FETCH', '1:*', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
    for part in [d for d in data if isinstance(d, tuple)]:
        uid = int(re.search(rb'UID (\\d+)', part[0]).group(1))
        folder_view['messages'].append([uid, part[1].decode().strip()])
    folder_view['messages'].sort()
    view[folder] = folder_view
if len(sys.argv) > 4:
    exec(sys.argv[4])
c.logout()
print(json.dumps(view))
`;

/** Each folder's UIDVALIDITY and UIDNEXT by STATUS, before any SELECT (from an index or a cache). */
async function statusView(port: number, user: string): Promise<Record<string, number[]>> {
  const out = await python(
    `import imaplib, json, re, sys
c = imaplib.IMAP4('127.0.0.1', int(sys.argv[1])); c.login(sys.argv[2], 'pw-bob')
view = {}
for folder in json.loads(sys.argv[3]):
    line = c.status(folder, '(UIDVALIDITY UIDNEXT)')[1][0].decode()
    view[folder] = [int(re.search(r'UIDVALIDITY (\\d+)', line).group(1)),
                    int(re.search(r'UIDNEXT (\\d+)', line).group(1))]
c.logout()
print(json.dumps(view))`,
    [port, user, JSON.stringify(FOLDERS)],
  );
  return JSON.parse(out);
}

/** `view` as `statusView` gives it. */
const statusOf = (view: View) =>
  Object.fromEntries(Object.entries(view).map(([f, v]) => [f, [v.uidvalidity, v.uidnext]]));

async function imapView(port: number, user: string, then?: string): Promise<View> {
  const args = [port, user, JSON.stringify(FOLDERS), ...then === undefined ? [] : [then]];
  return JSON.parse((await python(VIEW, args)).trim().split("\n").at(-1)!);
}

/** A Maildir Dovecot built and served: messages saved, some expunged (gaps), some flagged. */
async function dovecotMaildirInUse(): Promise<{ dovecot: DovecotUser; seen: View }> {
  const dovecot = new DovecotUser();
  await dovecot.doveadm(["mailbox", "create", "Work", "Work.Projects"]);
  for (const folder of FOLDERS) {
    for (let i = 1; i <= 4; i++) await dovecot.save(folder, `Subject: ${folder} ${i}\n\nbody\n`);
  }
  await dovecot.doveadm(["expunge", "mailbox", "INBOX", "uid", "2"]);
  await dovecot.doveadm(["expunge", "mailbox", "Work.Projects", "uid", "4"]);
  await dovecot.doveadm(["flags", "add", "\\Seen", "mailbox", "Work", "uid", "3"]);
  const imapd = await dovecot.serveImap();
  let seen: View;
  try {
    seen = await imapView(imapd.port, "bob");
    // Another message arrives while the client is away: Dovecot numbers it at its next listing.
    await dovecot.save("INBOX", "Subject: INBOX 5\n\nbody\n");
    seen = await imapView(imapd.port, "bob");
  } finally {
    await imapd.stop();
  }
  return { dovecot, seen };
}

Deno.test({
  name:
    "a client that had every folder open in Dovecot sees the same UIDVALIDITY, UIDNEXT and UIDs in Pillarbox, and a new message gets Dovecot's UIDNEXT",
  ignore,
  async fn() {
    const { dovecot, seen } = await dovecotMaildirInUse();
    assert.deepEqual(seen.INBOX!.messages.map(([uid]) => uid), [1, 3, 4, 5]);
    const server = await serverOnCopyOf(dovecot.maildir);
    try {
      // A message delivered between the copy and the first login: Dovecot never numbered it.
      await deliver(server, ["Subject: late\r\n\r\nx\r\n"]);
      // STATUS lists a folder the first time too (LIST-STATUS, a client's poll).
      assert.deepEqual(await statusView(server.ports.imap!, BOB), {
        ...statusOf(seen),
        INBOX: [seen.INBOX!.uidvalidity, seen.INBOX!.uidnext + 1],
      });
      const view = await imapView(
        server.ports.imap!,
        BOB,
        "assert c.append('Work', None, None, b'Subject: appended\\r\\n\\r\\nx\\r\\n')[0] == 'OK'",
      );
      const expected = structuredClone(seen);
      const inbox = expected.INBOX!;
      inbox.messages.push([inbox.uidnext, "Subject: late"]);
      inbox.uidnext += 1;
      assert.deepEqual(view, expected);
      const appended = await imapView(server.ports.imap!, BOB);
      const work = appended.Work!;
      assert.deepEqual(work.messages.at(-1), [seen.Work!.uidnext, "Subject: appended"]);
      assert.equal(work.uidvalidity, seen.Work!.uidvalidity);
      assert.match(server.log(), /event=mailbox\.dovecot_uids_taken/);
      assert.doesNotMatch(server.log(), /dovecot_uidlist_ignored/);
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name:
    "the way back: Dovecot, given the Maildir after Pillarbox took its UIDs and gave new ones, starts a greater UIDVALIDITY in every folder and lists every message once",
  ignore,
  async fn() {
    const { dovecot, seen } = await dovecotMaildirInUse();
    const server = await serverOnCopyOf(dovecot.maildir);
    try {
      // UID 6 goes to a new message, and UID 1 is expunged: Dovecot must not give 6 to another.
      await imapView(
        server.ports.imap!,
        BOB,
        `c.select('INBOX')
assert c.append('INBOX', None, None, b'Subject: ours\\r\\n\\r\\nx\\r\\n')[0] == 'OK'
c.uid('STORE', '1', '+FLAGS', '(\\\\Deleted)'); c.expunge()`,
      );
    } finally {
      await server.stop();
    }
    const back = new DovecotUser();
    await back.copyMaildirFrom(mailboxDir(server.spoolDir, BOB));
    const imapd = await back.serveImap();
    let view: View;
    let status: Record<string, number[]>;
    try {
      status = await statusView(imapd.port, "bob");
      view = await imapView(imapd.port, "bob");
    } finally {
      await imapd.stop();
    }
    for (const folder of FOLDERS) {
      assert.ok(
        view[folder]!.uidvalidity > seen[folder]!.uidvalidity,
        `${folder}: ${view[folder]!.uidvalidity} > ${seen[folder]!.uidvalidity}`,
      );
    }
    // Dovecot's folder list index (kept) does not answer STATUS with the old UIDVALIDITY.
    assert.deepEqual(status, statusOf(view));
    const subjects = (v: View, folder: string) => v[folder]!.messages.map(([, s]) => s).sort();
    assert.deepEqual(subjects(view, "INBOX"), [
      "Subject: INBOX 3",
      "Subject: INBOX 4",
      "Subject: INBOX 5",
      "Subject: ours",
    ]);
    assert.deepEqual(subjects(view, "Work"), subjects(seen, "Work"));
  },
});

Deno.test({
  name:
    "a dovecot-uidlist damaged on the way (a line repeated) is ignored with a warning naming the file and line, and the folder gets a new UIDVALIDITY",
  ignore,
  async fn() {
    const { dovecot, seen } = await dovecotMaildirInUse();
    const path = `${dovecot.maildir}/.Work/dovecot-uidlist`;
    const lines = Deno.readTextFileSync(path).split("\n");
    lines.splice(2, 0, lines[1]!);
    Deno.writeTextFileSync(path, lines.join("\n"));
    const server = await serverOnCopyOf(dovecot.maildir);
    try {
      const view = await imapView(server.ports.imap!, BOB);
      assert.notEqual(view.Work!.uidvalidity, seen.Work!.uidvalidity);
      assert.deepEqual(view.Work!.messages.map(([uid]) => uid), [1, 2, 3, 4]);
      // The other folders' lists are sound: they keep Dovecot's numbers.
      assert.deepEqual(view.INBOX, seen.INBOX);
      assert.deepEqual(view["Work.Projects"], seen["Work.Projects"]);
      const warning = server.log().split("\n").find((l) => l.includes("dovecot_uidlist_ignored"));
      assert.ok(warning?.includes(".Work/dovecot-uidlist"), server.log());
      assert.match(warning!, / line=3 /);
    } finally {
      await server.stop();
    }
  },
});

const HAS_MBSYNC = hasProgram("mbsync", ["-v", "--version"]);

/** mbsync's config for every folder of `user` on loopback `port` (no TLS, as both servers here). */
function mbsyncrc(options: { port: number; user: string; near: string }): string {
  return [
    "IMAPAccount bob",
    "Host 127.0.0.1",
    `Port ${options.port}`,
    `User ${options.user}`,
    "Pass pw-bob",
    "SSLType None",
    "AuthMechs LOGIN",
    "",
    "IMAPStore far",
    "Account bob",
    "",
    "MaildirStore near",
    `Path ${options.near}/`,
    `Inbox ${options.near}/INBOX`,
    "SubFolders Verbatim",
    "",
    "Channel all",
    "Far :far:",
    "Near :near:",
    "Patterns *",
    "Create Near",
    "Expunge Both",
    "SyncState *",
    "",
  ].join("\n");
}

/** Runs mbsync with network debugging; returns its exit code, output and the commands it sent. */
async function mbsync(config: string) {
  const output = await new Deno.Command("mbsync", {
    args: ["-c", config, "-Dn", "all"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  const sent = text.split("\n").filter((line) => line.includes(">>> ")).map((line) =>
    line.replace(/^.*>>> \d+ /, "")
  );
  return { code: output.code, text, sent };
}

Deno.test({
  name:
    "mbsync, synced with Dovecot, syncs on with Pillarbox after the move without fetching a message again: only the one delivered since",
  ignore: ignore || !HAS_MBSYNC,
  async fn() {
    const { dovecot } = await dovecotMaildirInUse();
    const dir = tempDir("pillarbox-mbsync-");
    const near = `${dir}/near`;
    Deno.mkdirSync(near);
    const config = `${dir}/mbsyncrc`;
    const imapd = await dovecot.serveImap();
    try {
      Deno.writeTextFileSync(config, mbsyncrc({ port: imapd.port, user: "bob", near }));
      const first = await mbsync(config);
      assert.equal(first.code, 0, first.text);
    } finally {
      await imapd.stop();
    }
    const pulled = nearCount(near);
    assert.equal(pulled, 11); // INBOX 4 (one expunged, one saved later), Work 4, Work.Projects 3
    const server = await serverOnCopyOf(dovecot.maildir);
    try {
      await deliver(server, ["Subject: since\r\n\r\nnew\r\n"]);
      Deno.writeTextFileSync(config, mbsyncrc({ port: server.ports.imap!, user: BOB, near }));
      const again = await mbsync(config);
      // A UIDVALIDITY that changed makes mbsync stop with an error for that folder.
      assert.equal(again.code, 0, again.text);
      assert.doesNotMatch(
        again.text,
        /^(Error|Warning)|UIDVALIDITY of far side changed/m,
        again.text,
      );
      const bodies = again.sent.filter((line) => /BODY\.PEEK\[\]/.test(line));
      assert.equal(bodies.length, 1, again.sent.join("\n"));
      assert.equal(nearCount(near), pulled + 1);
    } finally {
      await server.stop();
    }
  },
});

/** How many messages the near side holds, in every folder (nested: Work/Projects). */
function nearCount(dir: string): number {
  let count = 0;
  for (const entry of Deno.readDirSync(dir)) {
    if (!entry.isDirectory) continue;
    if (entry.name === "new" || entry.name === "cur") {
      count += [...Deno.readDirSync(`${dir}/${entry.name}`)].length;
    } else if (entry.name !== "tmp") count += nearCount(`${dir}/${entry.name}`);
  }
  return count;
}
