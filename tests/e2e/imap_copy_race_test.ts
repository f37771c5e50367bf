/**
 * COPY against another session's RENAME of its destination (RFC
 * 9051 6.4.7: a COPY that fails leaves the destination as it was; one that
 * succeeds put every message there). Before, COPY took the destination's
 * lock once per message: a RENAME between two messages carried the copies
 * made so far to the new name while the COPY answered NO, and its rollback
 * looked for them under the old one.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { python, startServer } from "./harness.ts";
import { mailboxDir, maildirName } from "../../src/mailbox/mod.ts";

const COUNT = 400;

const SESSION = `
import imaplib, json, os, sys
port, saved, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
A = imaplib.IMAP4("127.0.0.1", port)
A.login("bob@example.test", "pw-bob")
B = imaplib.IMAP4("127.0.0.1", port)
B.login("bob@example.test", "pw-bob")
out = {}
assert A.create("Saved")[0] == "OK"
assert A.select("INBOX")[1][0] == str(count).encode()
tag = A._command("COPY", "1:%d" % count, "Saved")
while not os.listdir(os.path.join(saved, "tmp")) and not os.listdir(os.path.join(saved, "cur")):
    pass
# The COPY is under way: its first copy is in the destination.
out["rename"] = B.rename("Saved", "Old")[0]
typ, data = A._command_complete("COPY", tag)
out["copy"] = typ
out["code"] = A.untagged_responses.get("COPYUID", [b""])[-1].decode()
out["old"] = B.status("Old", "(MESSAGES)")[1][0].decode()
out["inbox"] = int(A.select("INBOX")[1][0])
A.logout()
B.logout()
print(json.dumps(out))
`;

/** Puts `count` small messages in bob's INBOX cur/ before the server lists it. */
function seedInbox(spoolDir: string, count: number): void {
  const root = mailboxDir(spoolDir, "bob@example.test");
  for (const sub of ["tmp", "new", "cur"]) Deno.mkdirSync(join(root, sub), { recursive: true });
  for (let i = 0; i < count; i++) {
    const name = maildirName("mx.test", 20, Date.UTC(2024, 0, 1) + i * 1000);
    Deno.writeTextFileSync(join(root, "cur", `${name}:2,S`), `Subject: ${i}\r\n\r\nx\r\n`);
  }
}

/** How many message files a folder holds (0 when it is gone). */
function fileCount(dir: string): number {
  let count = 0;
  for (const sub of ["new", "cur", "tmp"]) {
    try {
      count += [...Deno.readDirSync(join(dir, sub))].length;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return count;
}

Deno.test("imaplib: a RENAME of the destination while a COPY into it runs leaves all or none of the copies under the new name", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw-bob" },
    flags: ["--insecure-auth"],
  });
  try {
    seedInbox(server.spoolDir, COUNT);
    const root = mailboxDir(server.spoolDir, "bob@example.test");
    const out = JSON.parse(
      await python(SESSION, [server.ports.imap!, join(root, ".Saved"), COUNT]),
    );
    assert.equal(out.rename, "OK");
    assert.equal(out.inbox, COUNT);
    const expected = out.copy === "OK" ? COUNT : 0;
    assert.equal(out.old, `Old (MESSAGES ${expected})`, `COPY answered ${out.copy}`);
    assert.equal(fileCount(join(root, ".Old")), expected);
    if (out.copy === "OK") assert.match(out.code, new RegExp(` 1:${COUNT} 1:${COUNT}$`));
  } finally {
    await server.stop();
  }
});
