/**
 * I/O errors other than a full disk (EIO and the like), made with strace
 * (see fault_injection.ts): a client is told the truth about what was done,
 * and every session's view of a mailbox stays right.
 */
import assert from "node:assert/strict";
import { startServer, tempDir } from "./harness.ts";
import { failing, hasStrace } from "./fault_injection.ts";
import { command, loginAsBob } from "./imap_helpers.ts";

const REMOVING = ["rename", "renameat", "renameat2", "unlink", "unlinkat"];

Deno.test({
  name:
    "an IMAP EXPUNGE that fails with EIO on one message still reports the one it removed to every session",
  ignore: !hasStrace,
  fn: async () => {
    const spoolDir = tempDir();
    const cur = `${spoolDir}/mail/example.test/bob/cur`;
    Deno.mkdirSync(cur, { recursive: true });
    const names = [1, 2, 3].map((n) => `100000000${n}.M1P1Q${n}.host,S=17:2,T`);
    for (const name of names) Deno.writeTextFileSync(`${cur}/${name}`, "Subject: x\r\n\r\nx\r\n");
    const server = await startServer({
      spoolDir,
      users: { "bob@example.test": "pw-bob" },
      flags: ["--insecure-auth"],
      wrap: failing({ syscalls: REMOVING, errno: "EIO", paths: [`${cur}/${names[1]}`] }),
    });
    const [a, b] = [await loginAsBob(server.ports.imap!), await loginAsBob(server.ports.imap!)];
    try {
      for (const client of [a, b]) {
        assert.ok((await command(client, "s", "SELECT INBOX")).includes("* 3 EXISTS"));
      }
      assert.match((await command(a, "e", "EXPUNGE")).at(-1)!, /^e NO \[SERVERBUG\]/);
      for (const client of [a, b]) {
        // Message 1's file is gone: both sessions must hear so, and number the rest 1 and 2.
        assert.deepEqual(await command(client, "n", "NOOP"), [
          "* 1 EXPUNGE",
          "n OK NOOP completed",
        ]);
        assert.deepEqual(await command(client, "f", "FETCH 1:* (UID)"), [
          "* 1 FETCH (UID 2)",
          "* 2 FETCH (UID 3)",
          "f OK FETCH completed",
        ]);
      }
      assert.deepEqual([...Deno.readDirSync(cur)].map((e) => e.name).sort(), names.slice(1));
      assert.match(
        server.log(),
        /event=imap\.internal_error .*Input\/output error.*bob\/cur\/1000000002/,
      );
    } finally {
      a.close();
      b.close();
      await server.stop();
    }
  },
});
