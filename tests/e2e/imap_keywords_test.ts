/** IMAP keywords end to end with Python's imaplib: stored, listed, searched and kept across sessions. */
import assert from "node:assert/strict";
import { maildirFiles, python, type Server, startServer } from "./harness.ts";
import { deliver } from "./imap_helpers.ts";

const USERS = { "bob@example.test": "pw-bob" };

function message(n: number): string {
  return `From: Alice <alice@remote.test>\r\nTo: bob@example.test\r\nSubject: note ${n}\r\n` +
    `Message-ID: <k${n}@remote.test>\r\n\r\nHello Bob, this is note ${n}.\r\n`;
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
    return [d.decode() if isinstance(d, bytes) else d for d in data]
if step == "first":
    ok(M.select("INBOX"))
    out["permanent"] = [d.decode() for d in M.untagged_responses.get("PERMANENTFLAGS", [])]
    out["store1"] = ok(M.store("1", "+FLAGS", "($Forwarded $Junk \\\\Seen)"))
    out["flags_after_store"] = [d.decode() for d in M.untagged_responses.get("FLAGS", [])]
    out["store2"] = ok(M.store("2", "+FLAGS", "(NonJunk)"))
    out["keyword_junk"] = ok(M.search(None, "KEYWORD", "$junk"))[0]
    out["unkeyword_junk"] = ok(M.search(None, "UNKEYWORD", "$Junk"))[0]
    out["keyword_nonjunk"] = ok(M.uid("SEARCH", None, "KEYWORD", "NonJunk"))[0]
    out["remove"] = ok(M.store("1", "-FLAGS", "($Forwarded)"))
    out["copy"] = ok(M.copy("1", "Archive"))[0]
elif step == "second":
    ok(M.select("INBOX"))
    out["flags"] = [d.decode() for d in M.untagged_responses.get("FLAGS", [])]
    out["fetch"] = ok(M.fetch("1:*", "(UID FLAGS)"))
    ok(M.select("Archive"))
    out["archive"] = ok(M.fetch("1:*", "(FLAGS)"))
    ok(M.select("INBOX"))
    out["replace"] = ok(M.store("2", "FLAGS", "(\\\\Flagged)"))
M.logout()
print(json.dumps(out))
`;

async function session(server: Server, step: string): Promise<Record<string, unknown>> {
  return JSON.parse(await python(SESSION, [server.ports.imap!, step]));
}

Deno.test("imaplib: keywords are stored, searched, copied and kept across sessions", async () => {
  const server = await startServer({ users: USERS, flags: ["--insecure-auth"] });
  try {
    await deliver(server, [message(1), message(2)]);
    const first = await session(server, "first");
    assert.deepEqual(first.permanent, [
      "(\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)",
    ]);
    assert.deepEqual(first.store1, ["1 (FLAGS (\\Seen $Forwarded $Junk \\Recent))"]);
    assert.ok(
      (first.flags_after_store as string[]).includes(
        "(\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded $Junk)",
      ),
      `a new FLAGS response names the new keywords: ${first.flags_after_store}`,
    );
    assert.deepEqual(first.store2, ["2 (FLAGS (NonJunk \\Recent))"]);
    assert.equal(first.keyword_junk, "1");
    assert.equal(first.unkeyword_junk, "2");
    assert.equal(first.keyword_nonjunk, "2");
    assert.deepEqual(first.remove, ["1 (FLAGS (\\Seen $Junk \\Recent))"]);
    assert.match(first.copy as string, /^\[COPYUID \d+ 1 1\]/);

    const keywordsFile = `${server.spoolDir}/mail/example.test/bob/dovecot-keywords`;
    assert.equal(Deno.readTextFileSync(keywordsFile), "0 $Forwarded\n1 $Junk\n2 NonJunk\n");
    const inbox = maildirFiles(server.spoolDir, "bob@example.test", "cur");
    assert.deepEqual(inbox.map((file) => file.replace(/^.*:2,/, "")).sort(), ["Sb", "c"]);

    const second = await session(server, "second");
    assert.deepEqual(second.flags, [
      "(\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded $Junk NonJunk)",
    ]);
    assert.deepEqual(second.fetch, [
      "1 (UID 1 FLAGS (\\Seen $Junk))",
      "2 (UID 2 FLAGS (NonJunk))",
    ]);
    // The first session to select Archive after the COPY: \Recent too (RFC 3501 6.4.7).
    assert.deepEqual(
      second.archive,
      ["1 (FLAGS (\\Seen $Junk \\Recent))"],
      "COPY keeps keywords",
    );
    assert.deepEqual(second.replace, ["2 (FLAGS (\\Flagged))"], "FLAGS replaces keywords too");
  } finally {
    await server.stop();
  }
});
