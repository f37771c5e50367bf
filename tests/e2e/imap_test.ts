/** IMAP end to end with Python's imaplib against the real server; mail arrives over SMTP. */
import assert from "node:assert/strict";
import { maildirFiles, python, type Server, startServer } from "./harness.ts";
import { deliver } from "./imap_helpers.ts";

const USERS = { "bob@example.test": "pw-bob" };
const FLAGS = ["--insecure-auth"];

function message(n: number, extra = ""): string {
  return `From: Alice <alice@remote.test>\r\nTo: bob@example.test\r\nSubject: note ${n}\r\n` +
    `Message-ID: <${n}@remote.test>\r\n${extra}\r\nHello Bob, this is note ${n}.\r\n`;
}

const SESSION = `
import imaplib, json, sys
port, step = int(sys.argv[1]), sys.argv[2]
M = imaplib.IMAP4("127.0.0.1", port)
M.login("bob@example.test", "pw-bob")
out = {}
def ok(result):
    typ, data = result
    assert typ == "OK", (typ, data)
    return data
if step == "first":
    out["list"] = [line.decode() for line in ok(M.list())]
    out["exists"] = int(ok(M.select("INBOX"))[0])
    data = ok(M.fetch("1:*", "(UID BODY[])"))
    out["bodies"] = [part[1].decode("latin1") for part in data if isinstance(part, tuple)]
    out["uids"] = ok(M.uid("SEARCH", None, "ALL"))[0].decode()
    out["search_from"] = ok(M.search(None, "FROM", '"alice"'))[0].decode()
    out["search_subject"] = ok(M.search(None, "SUBJECT", '"note 2"'))[0].decode()
    out["search_unseen_after_fetch"] = ok(M.search(None, "UNSEEN"))[0].decode()
    ok(M.store("1", "-FLAGS", "(\\\\Seen)"))
    ok(M.store("2", "+FLAGS", "(\\\\Flagged)"))
    out["search_flagged"] = ok(M.search(None, "FLAGGED"))[0].decode()
    out["search_or"] = ok(M.search(None, "OR", "FLAGGED", "UNSEEN"))[0].decode()
    out["search_not"] = ok(M.search(None, "NOT", "FLAGGED"))[0].decode()
    out["uidvalidity"] = ok(M.status("INBOX", "(UIDVALIDITY)"))[0].decode()
elif step == "second":
    M.select("INBOX")
    data = ok(M.fetch("1:*", "(UID FLAGS)"))
    out["flags"] = [line.decode() for line in data]
    out["create"] = ok(M.create("Projects.2024"))[0].decode()
    out["append"] = ok(M.append("Projects.2024", "(\\\\Seen \\\\Draft)", '"05-Mar-2024 10:00:00 +0100"', b"Subject: appended\\r\\n\\r\\nbody\\r\\n"))[0].decode()
    out["copy"] = ok(M.copy("1", "Projects.2024"))[0].decode()
    out["move"] = [d.decode() for d in ok(M._simple_command("MOVE", "2", "Trash"))]
    out["move_untagged"] = [d.decode() for d in M.untagged_responses.get("EXPUNGE", [])]
    out["after_move"] = int(ok(M.select("INBOX"))[0])
    M.select("Projects.2024")
    data = ok(M.fetch("1:*", "(FLAGS INTERNALDATE BODY.PEEK[HEADER.FIELDS (SUBJECT)])"))
    out["projects"] = [part[0].decode() + " " + part[1].decode() for part in data if isinstance(part, tuple)]
    out["trash"] = ok(M.status("Trash", "(MESSAGES)"))[0].decode()
    out["list"] = [line.decode() for line in ok(M.list('""', "*"))]
    typ, dat = M._simple_command("LIST", '""', '"*"', "RETURN", "(SPECIAL-USE)")
    out["list_special"] = [d.decode() for d in M._untagged_response(typ, dat, "LIST")[1]]
    M.select("INBOX")
    ok(M.store("1", "+FLAGS", "(\\\\Deleted)"))
    ok(M.expunge())
    out["after_expunge"] = int(ok(M.select("INBOX"))[0])
    out["uids"] = ok(M.uid("SEARCH", None, "ALL"))[0].decode()
    out["uidvalidity"] = ok(M.status("INBOX", "(UIDVALIDITY UIDNEXT)"))[0].decode()
elif step == "after-restart":
    M.select("INBOX")
    out["uids"] = ok(M.uid("SEARCH", None, "ALL"))[0].decode()
    out["uidvalidity"] = ok(M.status("INBOX", "(UIDVALIDITY UIDNEXT)"))[0].decode()
    out["flags"] = [line.decode() for line in ok(M.fetch("1:*", "(UID FLAGS)"))]
M.logout()
print(json.dumps(out))
`;

async function session(server: Server, step: string): Promise<Record<string, unknown>> {
  return JSON.parse(await python(SESSION, [server.ports.imap!, step]));
}

Deno.test("imaplib: login, LIST, SELECT, FETCH, SEARCH, STORE, COPY, MOVE, APPEND, EXPUNGE and a restart", async () => {
  const server = await startServer({ users: USERS, flags: FLAGS });
  let restarted: Server | null = null;
  try {
    await deliver(server, [message(1), message(2), message(3, "Cc: carol@example.test\r\n")]);
    const first = await session(server, "first");
    const list = first.list as string[];
    for (const [name, use] of [["Sent", "Sent"], ["Drafts", "Drafts"], ["Trash", "Trash"]]) {
      assert.ok(list.includes(`(\\HasNoChildren \\${use}) "." ${name}`), list.join("\n"));
    }
    assert.ok(list.includes('(\\HasNoChildren) "." INBOX'));
    assert.equal(first.exists, 3);
    const files = maildirFiles(server.spoolDir, "bob@example.test").concat(
      maildirFiles(server.spoolDir, "bob@example.test", "cur"),
    );
    const stored = files.map((file) => new TextDecoder("latin1").decode(Deno.readFileSync(file)));
    const bodies = first.bodies as string[];
    assert.equal(bodies.length, 3);
    for (const [i, body] of bodies.entries()) {
      assert.ok(stored.includes(body), `BODY[] of message ${i + 1} equals a stored file`);
      assert.ok(body.endsWith(message(i + 1, i === 2 ? "Cc: carol@example.test\r\n" : "")));
    }
    assert.equal(first.uids, "1 2 3");
    assert.equal(first.search_from, "1 2 3");
    assert.equal(first.search_subject, "2");
    assert.equal(first.search_unseen_after_fetch, "", "BODY[] set \\Seen");
    assert.equal(first.search_flagged, "2");
    assert.equal(first.search_or, "1 2");
    assert.equal(first.search_not, "1 3");
    const validity = /UIDVALIDITY (\d+)/.exec(first.uidvalidity as string)![1];

    const second = await session(server, "second");
    assert.deepEqual(second.flags, [
      "1 (UID 1 FLAGS ())",
      "2 (UID 2 FLAGS (\\Flagged \\Seen))",
      "3 (UID 3 FLAGS (\\Seen))",
    ], "flags persisted across sessions");
    assert.ok(
      maildirFiles(server.spoolDir, "bob@example.test", ".Trash/cur").some((f) =>
        f.endsWith(":2,FS")
      ),
      "flags are in the Maildir name (and moved along to Trash)",
    );
    assert.match(second.append as string, /^\[APPENDUID \d+ 1\] APPEND completed$/);
    assert.match(second.copy as string, /^\[COPYUID \d+ 1 2\] COPY completed$/);
    assert.deepEqual(second.move_untagged, ["2"], "MOVE expunged message 2");
    assert.equal(second.after_move, 2);
    const projects = second.projects as string[];
    assert.equal(projects.length, 2);
    assert.equal(
      projects[0],
      // The first session to select the folder after the APPEND and the COPY: \Recent (RFC 3501
      // 6.3.11, 6.4.7).
      '1 (FLAGS (\\Draft \\Seen \\Recent) INTERNALDATE "05-Mar-2024 09:00:00 +0000" ' +
        "BODY[HEADER.FIELDS (SUBJECT)] {21} Subject: appended\r\n\r\n",
      "APPEND kept flags and date",
    );
    assert.match(
      projects[1]!,
      /^2 \(FLAGS \(\\Recent\) INTERNALDATE ".*" BODY\[HEADER\.FIELDS \(SUBJECT\)\] \{\d+\} Subject: note 1\r\n\r\n$/,
    );
    assert.match(second.trash as string, /Trash \(MESSAGES 1\)/);
    assert.ok((second.list_special as string[]).includes('(\\HasNoChildren \\Junk) "." Junk'));
    assert.ok((second.list as string[]).includes('(\\Noselect \\HasChildren) "." Projects'));
    assert.ok((second.list as string[]).includes('(\\HasNoChildren) "." Projects.2024'));
    assert.equal(second.after_expunge, 1);
    assert.equal(second.uids, "3");
    assert.match(second.uidvalidity as string, new RegExp(`UIDVALIDITY ${validity} UIDNEXT 4`));

    await server.stop();
    restarted = await startServer({ users: {}, flags: FLAGS, spoolDir: server.spoolDir });
    const after = await session(restarted, "after-restart");
    assert.equal(after.uids, "3", "UIDs unchanged after a restart");
    assert.match(after.uidvalidity as string, new RegExp(`UIDVALIDITY ${validity} UIDNEXT 4`));
    assert.deepEqual(after.flags, ["1 (UID 3 FLAGS (\\Seen))"]);
  } finally {
    await server.stop();
    await restarted?.stop();
  }
});
