/**
 * Folder changes: RENAME of a folder with subfolders is all or nothing (when
 * a subfolder's new name is taken or not allowed, the command is refused
 * before anything moves, RFC 9051 6.3.6), and of sessions creating one name
 * at once, only one is told it created it (RFC 9051 6.3.4). A refused
 * RENAME leaves the session's selected folder selected.
 */
import assert from "node:assert/strict";
import { startServer } from "./harness.ts";
import { command } from "./imap_helpers.ts";
import { RawClient } from "./raw_client.ts";

const MESSAGE = "Subject: kept\r\n\r\nbody\r\n";

/** The LIST "" "*" lines, without the special-use folders every account has. */
async function folders(client: RawClient): Promise<string[]> {
  const lines = await command(client, "l", 'LIST "" "*"');
  assert.equal(lines.at(-1), "l OK LIST completed");
  return lines.slice(0, -1).filter((line) =>
    !/ (Archive|Drafts|Junk|Sent|Trash|INBOX)$/.test(line)
  );
}

Deno.test("RENAME whose subfolder's new name is taken or too long, or into its own subfolder, moves nothing", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw-bob" },
    flags: ["--insecure-auth"],
  });
  const client = await RawClient.connect(server.ports.imap!);
  try {
    assert.match((await client.line())!, /^\* OK /);
    assert.match((await command(client, "l", "LOGIN bob@example.test pw-bob")).at(-1)!, /^l OK/);
    const long = "c".repeat(150);
    for (const name of ["a", "a.c", "b.c", "s", `s.${long}`]) {
      assert.match((await command(client, "c", `CREATE ${name}`)).at(-1)!, /^c OK/);
      const append = await command(
        client,
        "p",
        `APPEND ${name} {${MESSAGE.length}+}\r\n${MESSAGE}`,
      );
      assert.match(append.at(-1)!, /^p OK \[APPENDUID \d+ 1\]/);
    }
    const before = await folders(client);

    // "a" -> "b" would move "a.c" onto the existing "b.c".
    const taken = await command(client, "r", "RENAME a b");
    assert.deepEqual(taken, ["r NO [ALREADYEXISTS] Mailbox b.c already exists"]);
    // "s" -> 150 T's would make its subfolder's name longer than a name may be.
    const tooLong = await command(client, "r2", `RENAME s ${"T".repeat(150)}`);
    assert.match(tooLong.at(-1)!, /^r2 NO \[CANNOT\] Invalid mailbox name: name too long/);
    // A folder cannot become its own subfolder: the folder exists, so not NONEXISTENT.
    const intoItself = await command(client, "r3", "RENAME a a.inner");
    assert.deepEqual(intoItself, ["r3 NO [CANNOT] A folder cannot move into itself"]);

    assert.deepEqual(await folders(client), before);
    for (const name of ["a", "a.c", "b.c", "s", `s.${long}`]) {
      const status = await command(client, "t", `STATUS ${name} (MESSAGES)`);
      assert.equal(status[0], `* STATUS ${name} (MESSAGES 1)`);
    }
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("CREATE of one name from many sessions at once succeeds for exactly one", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw-bob" },
    flags: ["--insecure-auth"],
  });
  const clients: RawClient[] = [];
  try {
    for (let i = 0; i < 6; i++) {
      const client = await RawClient.connect(server.ports.imap!);
      clients.push(client);
      assert.match((await client.line())!, /^\* OK /);
      assert.match((await command(client, "l", "LOGIN bob@example.test pw-bob")).at(-1)!, /^l OK/);
    }
    const replies = await Promise.all(clients.map((client) => command(client, "c", "CREATE Same")));
    const tagged = replies.map((lines) => lines.at(-1)!).sort();
    assert.deepEqual(tagged, [
      "c NO [ALREADYEXISTS] Mailbox already exists",
      "c NO [ALREADYEXISTS] Mailbox already exists",
      "c NO [ALREADYEXISTS] Mailbox already exists",
      "c NO [ALREADYEXISTS] Mailbox already exists",
      "c NO [ALREADYEXISTS] Mailbox already exists",
      "c OK CREATE completed",
    ]);
  } finally {
    for (const client of clients) client.close();
    await server.stop();
  }
});

Deno.test("a refused RENAME of the selected folder or its parent leaves the folder selected", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw-bob" },
    flags: ["--insecure-auth"],
  });
  const client = await RawClient.connect(server.ports.imap!);
  try {
    assert.match((await client.line())!, /^\* OK /);
    assert.match((await command(client, "l", "LOGIN bob@example.test pw-bob")).at(-1)!, /^l OK/);
    // "p" is only the parent of "p.kid" (\Noselect): renaming it is NONEXISTENT.
    for (const name of ["f", "p.kid"]) {
      assert.match((await command(client, "c", `CREATE ${name}`)).at(-1)!, /^c OK/);
    }
    const refusals: [string, string, string][] = [
      ["f", "RENAME f f.inner", "r NO [CANNOT] A folder cannot move into itself"],
      ["p.kid", "RENAME p q", 'r NO [NONEXISTENT] Folder "p" does not exist'],
    ];
    for (const [folder, rename, refusal] of refusals) {
      assert.match(
        (await command(client, "s", `SELECT ${folder}`)).at(-1)!,
        /^s OK \[READ-WRITE\]/,
      );
      assert.deepEqual(await command(client, "r", rename), [refusal], rename);
      // Still selected: no "* OK [CLOSED]" above, and a FETCH is answered rather than BAD.
      assert.deepEqual(await command(client, "n", "FETCH 1:* (FLAGS)"), ["n OK FETCH completed"]);
    }
  } finally {
    client.close();
    await server.stop();
  }
});
