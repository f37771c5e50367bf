/**
 * A MUA deletes by moving to Trash: MOVE and COPY into a folder whose 26
 * keyword letters are all taken must still carry the message, with the
 * keywords that have no letter left off (RFC 3501 6.4.7 keeps flags as a SHOULD).
 */
import assert from "node:assert/strict";
import { python, startServer } from "./harness.ts";

const USERS = { "bob@example.test": "pw-bob" };

const SCRIPT = `
import imaplib, json, sys
M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
M.login("bob@example.test", "pw-bob")
def ok(result):
    typ, data = result
    assert typ == "OK", (typ, data)
    flat = lambda d: " ".join(x.decode() for x in d) if isinstance(d, tuple) else d.decode()
    return [flat(d) for d in data]
M.create("Trash")  # made at first login on most setups; fine either way
full = " ".join("Tag%d" % i for i in range(26))
ok(M.append("Trash", "(%s)" % full, None, b"Subject: filler\\r\\n\\r\\nx\\r\\n"))
for n in (1, 2):
    ok(M.append("INBOX", "(\\\\Seen Tag3 $Fresh%d)" % n, None, b"Subject: m%d\\r\\n\\r\\nbody\\r\\n" % n))
out = {}
ok(M.select("INBOX"))
typ, data = M.uid("MOVE", "1", "Trash")
out["move"] = [typ, [d.decode() for d in data if d]]
typ, data = M.uid("COPY", "2", "Trash")
out["copy"] = [typ, [d.decode() for d in data if d]]
out["inbox"] = ok(M.fetch("1:*", "(UID FLAGS)"))
ok(M.select("Trash"))
out["trash"] = ok(M.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])"))
M.logout()
print(json.dumps(out))
`;

Deno.test("MOVE and COPY into a folder with no keyword letter left succeed and leave only the new keywords off", async () => {
  const server = await startServer({ users: USERS, flags: ["--insecure-auth"] });
  try {
    const out = JSON.parse(await python(SCRIPT, [String(server.ports.imap)]));
    assert.equal(out.move[0], "OK", JSON.stringify(out.move));
    assert.equal(out.copy[0], "OK", JSON.stringify(out.copy));
    // The moved message left the inbox; the copied one stayed.
    assert.equal(out.inbox.length, 1, JSON.stringify(out.inbox));
    // Appended, then first selected by this session: \Recent (RFC 3501 6.3.11), as in Trash.
    assert.match(out.inbox[0], /UID 2 FLAGS \(\\Seen Tag3 \$Fresh2 \\Recent\)/);
    const trash = out.trash.join("\n");
    // \Seen and Tag3 (a letter the folder has) came along; $Fresh1/$Fresh2 had no letter.
    assert.match(trash, /2 \(FLAGS \(\\Seen Tag3 \\Recent\) BODY\[HEADER.FIELDS \(SUBJECT\)\]/);
    assert.match(trash, /3 \(FLAGS \(\\Seen Tag3 \\Recent\) BODY\[HEADER.FIELDS \(SUBJECT\)\]/);
    assert.match(trash, /Subject: m1/);
    assert.match(trash, /Subject: m2/);
    assert.doesNotMatch(trash, /\$Fresh/);
    assert.match(
      await server.waitForLog(/event=imap\.keywords_dropped.*\$Fresh2/),
      /folder=Trash/,
    );
  } finally {
    await server.stop();
  }
});
