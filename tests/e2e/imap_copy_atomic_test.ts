/**
 * COPY and MOVE that fail partway leave the destination as it was (RFC 3501
 * 6.4.7, RFC 9051 6.4.7): the messages already copied are taken out again.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { python, startServer } from "./harness.ts";
import { deliver } from "./imap_helpers.ts";
import { mailboxDir } from "../../src/mailbox/mod.ts";

const SESSION = `
import imaplib, json, sys
port, bad_file, verb = int(sys.argv[1]), sys.argv[2], sys.argv[3]
M = imaplib.IMAP4("127.0.0.1", port)
M.login("bob@example.test", "pw-bob")
out = {}
assert M.create("Saved")[0] == "OK"
assert M.select("INBOX")[0] == "OK"
# A message that cannot be read (a symlink to a directory where its file should be) arrives third.
import os
os.symlink("/", bad_file)
M.noop()
out["exists"] = int(M.select("INBOX")[1][0])
typ, data = M._simple_command(verb, "1:3", "Saved")
out["copy"] = typ
out["archive"] = M.status("Saved", "(MESSAGES)")[1][0].decode()
out["inbox"] = int(M.select("INBOX")[1][0])
M.logout()
print(json.dumps(out))
`;

for (const verb of ["COPY", "MOVE"]) {
  Deno.test(`imaplib: a ${verb} whose third message cannot be read leaves the destination unchanged`, async () => {
    const server = await startServer({
      users: { "bob@example.test": "pw-bob" },
      flags: ["--insecure-auth"],
    });
    try {
      await deliver(server, [
        "Subject: one\r\n\r\nfirst\r\n",
        "Subject: two\r\n\r\nsecond\r\n",
      ]);
      const badFile = join(
        mailboxDir(server.spoolDir, "bob@example.test"),
        "cur",
        "9999999999.M1P1Q1.example.test,S=10:2,",
      );
      const out = JSON.parse(await python(SESSION, [server.ports.imap!, badFile, verb]));
      assert.equal(out.exists, 3);
      assert.notEqual(out.copy, "OK");
      assert.equal(out.archive, "Saved (MESSAGES 0)", "nothing of a failed copy stays");
      assert.equal(out.inbox, 3, "a failed MOVE removes nothing from the source");
    } finally {
      await server.stop();
    }
  });
}
