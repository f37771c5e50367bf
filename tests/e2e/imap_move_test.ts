/**
 * MOVE and UID MOVE (RFC 6851) end to end: COPYUID names each message's new
 * UID, flags, keywords and internal dates come along, and sessions watching
 * the source and the destination hear EXPUNGE and EXISTS.
 */
import assert from "node:assert/strict";
import { maildirFiles, python, startServer } from "./harness.ts";
import { command, mailboxWith } from "./imap_helpers.ts";

const SESSION = `
import imaplib, json, re, sys
port = int(sys.argv[1])
def connect():
    M = imaplib.IMAP4("127.0.0.1", port)
    M.login("bob@example.test", "pw-bob")
    return M
def ok(result):
    typ, data = result
    assert typ == "OK", (typ, data)
    return data
def expand(text):
    out = []
    for part in text.split(","):
        low, _, high = part.partition(":")
        out.extend(range(int(low), int(high or low) + 1))
    return out
def by_uid(M):
    found = {}
    data = ok(M.uid("FETCH", "1:*", "(UID FLAGS INTERNALDATE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])"))
    for item in data:
        if isinstance(item, tuple):
            head = item[0].decode()
            uid = int(re.search(r"UID (\\d+)", head).group(1))
            flags = re.search(r"FLAGS \\(([^)]*)\\)", head).group(1)
            date = re.search(r'INTERNALDATE "([^"]+)"', head).group(1)
            mid = re.search(rb"<([^>]+)>", item[1]).group(1).decode()
            found[uid] = {"id": mid, "flags": sorted(flags.split()), "date": date}
    return found
def move(M, uid, sequence_set):
    before = by_uid(M)
    if uid:
        typ, data = M.uid("MOVE", sequence_set, "Archive")
    else:
        typ, data = M._simple_command("MOVE", sequence_set, "Archive")
    assert typ == "OK", (typ, data)
    validity, sources, targets = M.response("COPYUID")[1][0].decode().split()
    expunged = [d.decode() for d in M.response("EXPUNGE")[1] if d is not None]
    return before, list(zip(expand(sources), expand(targets))), expunged

out = {}
mover, inbox_watch, archive_watch = connect(), connect(), connect()
ok(mover.append("Archive", "(Other)", None, b"Message-ID: <old@t>\\r\\n\\r\\nold\\r\\n"))
flags = {2: "(\\\\Seen $Junk)", 4: "(\\\\Flagged Custom)", 5: "(\\\\Answered \\\\Deleted)"}
for i in range(1, 7):
    date = '"05-Mar-2024 10:00:0%d +0100"' % i
    ok(mover.append("INBOX", flags.get(i, "()"), date, b"Message-ID: <m%d@t>\\r\\n\\r\\nbody\\r\\n" % i))
ok(inbox_watch.select("INBOX"))
ok(archive_watch.select("Archive"))
archive_watch.response("EXISTS")  # what SELECT said
ok(mover.select("INBOX"))

before, pairs, expunged = move(mover, True, "4,2")
out["first_pairs"] = pairs
out["first_expunged"] = expunged
ok(inbox_watch.noop())
out["inbox_watch_expunged"] = [d.decode() for d in inbox_watch.response("EXPUNGE")[1]]
ok(archive_watch.noop())
out["archive_watch_exists"] = [d.decode() for d in archive_watch.response("EXISTS")[1]]
archive_watch.response("FLAGS")

# A reordered sequence set: messages 4 and 1 of what is left (UIDs 6 and 1).
before2, pairs2, expunged2 = move(mover, False, "4,1")
out["second_expunged"] = expunged2
ok(inbox_watch.noop())
out["inbox_watch_expunged2"] = [d.decode() for d in inbox_watch.response("EXPUNGE")[1]]
ok(archive_watch.noop())
out["archive_watch_exists2"] = [d.decode() for d in archive_watch.response("EXISTS")[1]]

out["inbox_after"] = sorted(m["id"] for m in by_uid(mover).values())
ok(mover.select("Archive"))
archive = by_uid(mover)
out["archive_ids"] = sorted(m["id"] for m in archive.values())
out["mismatches"] = [
    [src, dst, before[src], archive.get(dst)]
    for (b, p) in [(before, pairs), (before2, pairs2)]
    for (src, dst) in p
    if b[src] != archive.get(dst)
]
out["moved"] = {m["id"]: m["flags"] for m in archive.values()}
for M in (mover, inbox_watch, archive_watch):
    M.logout()
print(json.dumps(out))
`;

Deno.test("imaplib: MOVE and UID MOVE keep flags, keywords and dates, COPYUID maps each message, and watching sessions hear EXPUNGE and EXISTS", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw-bob" },
    flags: ["--insecure-auth"],
  });
  try {
    const out = JSON.parse(await python(SESSION, [server.ports.imap!]));
    assert.deepEqual(out.first_pairs, [[2, 2], [4, 3]], "COPYUID in UID order, new UIDs after 1");
    assert.deepEqual(out.first_expunged, ["4", "2"]);
    assert.deepEqual(out.inbox_watch_expunged, ["4", "2"]);
    assert.deepEqual(out.archive_watch_exists, ["3"]);
    assert.deepEqual(out.second_expunged, ["4", "1"]);
    assert.deepEqual(out.inbox_watch_expunged2, ["4", "1"]);
    assert.deepEqual(out.archive_watch_exists2, ["5"]);
    assert.deepEqual(
      out.mismatches,
      [],
      "each COPYUID pair names the same message, flags and date",
    );
    assert.deepEqual(out.inbox_after, ["m3@t", "m5@t"]);
    assert.deepEqual(out.archive_ids, ["m1@t", "m2@t", "m4@t", "m6@t", "old@t"]);
    assert.deepEqual(out.moved, {
      "old@t": ["Other"],
      "m1@t": [],
      "m2@t": ["$Junk", "\\Seen"],
      "m4@t": ["Custom", "\\Flagged"],
      "m6@t": [],
    });
    const archiveDir = `${server.spoolDir}/mail/example.test/bob/.Archive`;
    assert.equal(
      Deno.readTextFileSync(`${archiveDir}/dovecot-keywords`),
      "0 Other\n1 $Junk\n2 Custom\n",
      "keywords defined in the destination in its own letters",
    );
    const inboxFiles = maildirFiles(server.spoolDir, "bob@example.test", "cur");
    assert.equal(inboxFiles.length, 2, "the moved files left INBOX");
  } finally {
    await server.stop();
  }
});

Deno.test("MOVE into the selected mailbox itself answers COPYUID, then EXPUNGE, then EXISTS", async () => {
  const { server, client } = await mailboxWith([
    "Subject: one\r\n\r\n1\r\n",
    "Subject: two\r\n\r\n2\r\n",
  ]);
  try {
    const lines = await command(client, "m", "UID MOVE 1 INBOX");
    assert.match(lines[0]!, /^\* OK \[COPYUID \d+ 1 3\] /);
    assert.deepEqual(lines.slice(1, 3), ["* 1 EXPUNGE", "* 2 EXISTS"]);
    assert.match(lines.at(-1)!, /^m OK /);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("UID MOVE to another folder over the wire: COPYUID, the EXPUNGEs, then OK", async () => {
  const { server, client } = await mailboxWith([
    "Subject: one\r\n\r\n1\r\n",
    "Subject: two\r\n\r\n2\r\n",
    "Subject: three\r\n\r\n3\r\n",
  ]);
  try {
    const lines = await command(client, "m", "UID MOVE 3,1 Trash");
    assert.match(lines[0]!, /^\* OK \[COPYUID \d+ 1,3 1:2\] /);
    assert.deepEqual(lines.slice(1, -1), ["* 3 EXPUNGE", "* 1 EXPUNGE"]);
    assert.match(lines.at(-1)!, /^m OK /);
    const status = await command(client, "s", "STATUS Trash (MESSAGES UIDNEXT)");
    assert.equal(status[0], "* STATUS Trash (MESSAGES 2 UIDNEXT 3)");
  } finally {
    client.close();
    await server.stop();
  }
});
