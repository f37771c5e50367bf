/**
 * An IMAP DELETE renames the folder aside, then removes it with all its
 * messages. A server killed (SIGKILL, see fault_injection.ts) in between
 * must not keep the deleted mail on disk for good: the next start finishes
 * the removal.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { python, runCli, startServer } from "./harness.ts";
import { hasStrace, killingAt } from "./fault_injection.ts";
import { mailboxDir } from "../../src/mailbox/mod.ts";

const BOB = "bob@example.test";

/** A spool with Bob's account, one message in his INBOX and three in his folder Old. */
async function spoolWithFolder(): Promise<{ spoolDir: string; inbox: string }> {
  const spoolDir = makeTestDir({ prefix: "pillarbox-test-" });
  const add = await runCli(["user", "add", BOB, `--spool-dir=${spoolDir}`], { stdin: "pw\n" });
  assert.equal(add.code, 0, add.stderr);
  const inbox = mailboxDir(spoolDir, BOB);
  const old = join(inbox, ".Old");
  for (const dir of [inbox, old]) {
    for (const sub of ["tmp", "new", "cur"]) Deno.mkdirSync(join(dir, sub), { recursive: true });
  }
  Deno.writeFileSync(join(old, "maildirfolder"), new Uint8Array());
  for (const [dir, i] of [[inbox, 0], [old, 1], [old, 2], [old, 3]] as const) {
    const text = `Subject: number ${i}\r\n\r\nbody ${i}\r\n`;
    const name = `${1_700_000_000 + i}.M000000P1Q${i}.crash.test,S=${text.length}:2,S`;
    Deno.writeTextFileSync(join(dir, "cur", name), text);
  }
  return { spoolDir, inbox };
}

/** Names in Bob's Maildir of folders being deleted (renamed aside). */
function asideNames(inbox: string): string[] {
  return [...Deno.readDirSync(inbox)].map((entry) => entry.name)
    .filter((name) => name.startsWith("pillarbox-deleted-"));
}

const DELETE = `
import imaplib, json, sys
M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
M.login("bob@example.test", "pw")
try:
    print(json.dumps(M.delete("Old")[0]))
except Exception as error:
    print(json.dumps("died: %s" % type(error).__name__))
`;

const LIST = `
import imaplib, json, sys
M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
M.login("bob@example.test", "pw")
typ, data = M.list()
assert typ == "OK", (typ, data)
names = [line.decode().rsplit(" ", 1)[-1].strip('"') for line in data]
typ, data = M.select("INBOX")
assert typ == "OK", (typ, data)
M.logout()
print(json.dumps({"folders": sorted(names), "inbox": int(data[0])}))
`;

Deno.test({
  name:
    "a DELETE killed after renaming the folder aside leaves none of its mail on disk after a restart",
  ignore: !hasStrace,
  fn: async () => {
    const { spoolDir, inbox } = await spoolWithFolder();
    const server = await startServer({
      spoolDir,
      flags: ["--insecure-auth"],
      // The recursive removal of the folder renamed aside is the only unlinkat(2) of the run.
      wrap: killingAt({ syscalls: ["unlinkat"], paths: [] }),
    });
    try {
      const reply = JSON.parse(await python(DELETE, [server.ports.imap!]));
      assert.match(reply, /^died/, "the server was killed during the DELETE");
      const status = await server.exited;
      assert.ok(status.signal === "SIGKILL" || status.code === 137, `ended ${status.code}`);
    } finally {
      await server.kill();
    }
    assert.equal(asideNames(inbox).length, 1, "the kill came between the rename and the removal");
    const again = await startServer({ spoolDir, flags: ["--insecure-auth"] });
    try {
      const found = JSON.parse(await python(LIST, [again.ports.imap!]));
      assert.ok(!found.folders.includes("Old"), `folders: ${found.folders}`);
      assert.equal(found.inbox, 1, "INBOX keeps its message");
      assert.deepEqual(asideNames(inbox), [], "the deleted folder's messages are gone");
    } finally {
      await again.stop();
    }
  },
});
