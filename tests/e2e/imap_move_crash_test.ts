/**
 * MOVE never leaves a message in both mailboxes (RFC 6851 3.3), even when
 * the server is killed (SIGKILL, at an exact system call, see
 * fault_injection.ts) in the middle of a `UID MOVE` of 300 messages. After
 * the restart every message is in exactly one of INBOX and Archive.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { python, runCli, startServer } from "./harness.ts";
import { hasStrace, killingAt } from "./fault_injection.ts";
import { mailboxDir } from "../../src/mailbox/mod.ts";

const BOB = "bob@example.test";
const COUNT = 300;

/** A spool with Bob's account, `COUNT` seen messages in his INBOX's cur/ and an empty Archive. */
async function spoolWithMessages(): Promise<{ spoolDir: string; inbox: string; archive: string }> {
  const spoolDir = makeTestDir({ prefix: "pillarbox-test-" });
  const add = await runCli(["user", "add", BOB, `--spool-dir=${spoolDir}`], { stdin: "pw\n" });
  assert.equal(add.code, 0, add.stderr);
  const inbox = mailboxDir(spoolDir, BOB);
  const archive = join(inbox, ".Archive");
  for (const dir of [inbox, archive]) {
    for (const sub of ["tmp", "new", "cur"]) Deno.mkdirSync(join(dir, sub), { recursive: true });
  }
  Deno.writeFileSync(join(archive, "maildirfolder"), new Uint8Array());
  for (let i = 1; i <= COUNT; i++) {
    const text = `Message-ID: <m${i}@crash.test>\r\nSubject: number ${i}\r\n\r\nbody ${i}\r\n`;
    const name = `${1_700_000_000 + i}.M000000P1Q${i}.crash.test,S=${text.length}:2,S`;
    Deno.writeTextFileSync(join(inbox, "cur", name), text);
  }
  return { spoolDir, inbox, archive };
}

/** The INBOX file of message `i` (as `spoolWithMessages` named it). */
function fileOf(inbox: string, i: number): string {
  const name = [...Deno.readDirSync(join(inbox, "cur"))].map((entry) => entry.name)
    .find((name) => name.includes(`.M000000P1Q${i}.`));
  assert.ok(name !== undefined);
  return join(inbox, "cur", name);
}

const MOVE = `
import imaplib, json, sys
M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
M.login("bob@example.test", "pw")
assert M.select("INBOX")[0] == "OK"
try:
    print(json.dumps(M.uid("MOVE", "1:*", "Archive")[0]))
except Exception as error:
    print(json.dumps("died: %s" % type(error).__name__))
`;

const COUNT_IDS = `
import imaplib, json, re, sys
M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
M.login("bob@example.test", "pw")
out = {}
for folder in ["INBOX", "Archive"]:
    typ, data = M.select(folder)
    assert typ == "OK", (typ, data)
    ids = []
    if int(data[0]) > 0:
        typ, data = M.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        assert typ == "OK", (typ, data)
        for item in data:
            if isinstance(item, tuple):
                ids.append(re.search(rb"<([^>]+)>", item[1]).group(1).decode())
    out[folder] = ids
M.logout()
print(json.dumps(out))
`;

/** Kills the server at `killAt`'s first call during a UID MOVE of every message; restarts; counts. */
async function moveKilledAt(
  killAt: (where: { inbox: string; archive: string }) => string[],
): Promise<{ INBOX: string[]; Archive: string[] }> {
  const { spoolDir, inbox, archive } = await spoolWithMessages();
  const server = await startServer({
    spoolDir,
    flags: ["--insecure-auth"],
    wrap: killAt({ inbox, archive }),
  });
  try {
    const reply = JSON.parse(await python(MOVE, [server.ports.imap!]));
    assert.match(reply, /^died/, "the server was killed during the MOVE");
    const status = await server.exited;
    assert.ok(status.signal === "SIGKILL" || status.code === 137, `ended ${status.code}`);
  } finally {
    await server.kill();
  }
  const again = await startServer({ spoolDir, flags: ["--insecure-auth"] });
  try {
    return JSON.parse(await python(COUNT_IDS, [again.ports.imap!]));
  } finally {
    await again.stop();
  }
}

/** Every message once: no Message-ID twice, none missing. */
function assertEachOnce(found: { INBOX: string[]; Archive: string[] }): void {
  const all = [...found.INBOX, ...found.Archive];
  const expected = Array.from({ length: COUNT }, (_, i) => `m${i + 1}@crash.test`);
  const twice = found.INBOX.filter((id) => found.Archive.includes(id));
  assert.deepEqual(twice, [], "no message is in both mailboxes");
  assert.equal(all.length, COUNT, `INBOX ${found.INBOX.length} + Archive ${found.Archive.length}`);
  assert.deepEqual(all.sort(), expected.sort());
}

Deno.test({
  name: "a MOVE killed halfway leaves each of 300 messages in exactly one mailbox after a restart",
  ignore: !hasStrace,
  fn: async () => {
    const found = await moveKilledAt(({ inbox }) =>
      // The first system call that names message 150's file: it is read or moved next.
      killingAt({ syscalls: ["%file"], paths: [fileOf(inbox, 150)] })
    );
    assertEachOnce(found);
    assert.ok(found.Archive.length > 0 && found.INBOX.length > 0, "the kill came mid-move");
  },
});

Deno.test({
  name:
    "a MOVE killed before the destination's UID list is written leaves each message in one mailbox",
  ignore: !hasStrace,
  fn: async () => {
    const found = await moveKilledAt(({ archive }) =>
      // Archive's cur/ is made durable once its files are there, before its UID list is written.
      killingAt({ syscalls: ["fsync", "fdatasync"], paths: [join(archive, "cur")] })
    );
    assertEachOnce(found);
    assert.equal(
      found.Archive.length,
      COUNT,
      "the destination adopts the files moved before the kill",
    );
  },
});
