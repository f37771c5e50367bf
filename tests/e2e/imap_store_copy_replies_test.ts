/**
 * The untagged responses STORE and COPY owe a client, byte for byte: UID in
 * every FETCH a UID STORE causes, none for .SILENT nor again for the
 * session's own change, and COPYUID naming the destination's UIDVALIDITY.
 * (Found by mutation testing: each mutant of these lines passed every test.)
 */
import assert from "node:assert/strict";
import { command, loginAsBob, mailboxWith } from "./imap_helpers.ts";

const MESSAGE = "From: a@remote.test\r\nSubject: one\r\n\r\nbody\r\n";

Deno.test("UID STORE answers each FETCH with its UID, .SILENT answers none, and the session's own change is not told again", async () => {
  const { server, client } = await mailboxWith([MESSAGE, MESSAGE]);
  try {
    // RFC 3501 6.4.8: a FETCH response caused by a UID command MUST include the UID.
    const uidStore = await command(client, "u", "UID STORE 1:2 +FLAGS (\\Flagged)");
    assert.equal(uidStore.at(-1), "u OK UID STORE completed");
    const fetches = uidStore.slice(0, -1);
    assert.equal(fetches.length, 2, uidStore.join("\n"));
    for (const [i, line] of fetches.entries()) {
      assert.match(line, new RegExp(`^\\* ${i + 1} FETCH \\(.*\\bUID ${i + 1}\\b`), line);
      assert.match(line, /FLAGS \([^)]*\\Flagged/, line);
    }
    // RFC 3501 6.4.6: FLAGS.SILENT is FLAGS "but without returning a new value".
    assert.deepEqual(await command(client, "s", "STORE 1 +FLAGS.SILENT (\\Seen)"), [
      "s OK STORE completed",
    ]);
    assert.deepEqual(await command(client, "t", "UID STORE 2 -FLAGS.SILENT (\\Flagged)"), [
      "t OK UID STORE completed",
    ]);
    // The client made these changes and knows them: nothing is owed on the next command.
    assert.deepEqual(await command(client, "n", "NOOP"), ["n OK NOOP completed"]);
    const flags = await command(client, "f", "FETCH 1:2 (FLAGS)");
    assert.match(flags[0]!, /^\* 1 FETCH \(FLAGS \(\\Flagged \\Seen( \\Recent)?\)\)$/);
    assert.match(flags[1]!, /^\* 2 FETCH \(FLAGS \((\\Recent)?\)\)$/);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("COPY and MOVE answer COPYUID with the destination's UIDVALIDITY, not the source's", async () => {
  const { server, client } = await mailboxWith([MESSAGE, MESSAGE]);
  try {
    // Made again after a DELETE, the folder's UIDVALIDITY is above its old one (RFC 3501
    // 2.3.1.1), so it differs from INBOX's even when both were made in the same second.
    for (const line of ["CREATE Dest", "DELETE Dest", "CREATE Dest"]) {
      assert.match((await command(client, "c", line)).at(-1)!, /^c OK/);
    }
    const status = (await command(client, "t", "STATUS Dest (UIDVALIDITY)"))[0]!;
    const destination = /UIDVALIDITY (\d+)/.exec(status)?.[1];
    const select = (await command(client, "s", "SELECT INBOX")).join("\n");
    const source = /\[UIDVALIDITY (\d+)\]/.exec(select)?.[1];
    assert.ok(destination !== undefined && source !== undefined, `${status}\n${select}`);
    assert.notEqual(destination, source, "the test needs two different UIDVALIDITY values");
    // RFC 4315 3: COPYUID's first value is the destination mailbox's UIDVALIDITY.
    assert.equal(
      (await command(client, "k", "COPY 1 Dest")).at(-1),
      `k OK [COPYUID ${destination} 1 1] COPY completed`,
    );
    const moved = await command(client, "m", "UID MOVE 2 Dest");
    assert.equal(moved[0], `* OK [COPYUID ${destination} 2 2] Moved`);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("STORE cannot set or clear \\Recent, nor keep it for the next session", async () => {
  const { server, client } = await mailboxWith([MESSAGE, MESSAGE]);
  try {
    // RFC 3501 2.3.2: \Recent "cannot be altered by the client"; the store goes on for the rest.
    assert.deepEqual(await command(client, "a", "STORE 1 -FLAGS (\\Recent \\Seen)"), [
      "* 1 FETCH (FLAGS (\\Recent))",
      "a OK STORE completed",
    ]);
    assert.deepEqual(await command(client, "b", "STORE 2 FLAGS (\\Recent \\Flagged)"), [
      "* 2 FETCH (FLAGS (\\Flagged \\Recent))",
      "b OK STORE completed",
    ]);
    // This session claimed both \Recent: the next one sees neither, and no flag named \Recent.
    const select = await command(client, "s", "SELECT INBOX");
    assert.ok(select.includes("* 0 RECENT"), select.join("\n"));
    assert.ok(!select.some((line) => /FLAGS.*\\Recent/.test(line)), select.join("\n"));
    assert.deepEqual(await command(client, "f", "FETCH 1:2 (FLAGS)"), [
      "* 1 FETCH (FLAGS ())",
      "* 2 FETCH (FLAGS (\\Flagged))",
      "f OK FETCH completed",
    ]);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("STORE holds back another session's EXPUNGE until a later command", async () => {
  const { server, client } = await mailboxWith([MESSAGE, MESSAGE, MESSAGE]);
  const other = await loginAsBob(server.ports.imap!);
  try {
    assert.match((await command(other, "s", "SELECT INBOX")).at(-1)!, /^s OK/);
    await command(other, "d", "STORE 1 +FLAGS.SILENT (\\Deleted)");
    assert.match((await command(other, "e", "EXPUNGE")).at(-1)!, /^e OK/);
    // RFC 3501 7.4.1: no EXPUNGE "while responding to a FETCH, STORE, or SEARCH command";
    // numbers stay as the client knows them (message 2 is still number 2).
    assert.deepEqual(await command(client, "a", "STORE 2 +FLAGS (\\Flagged)"), [
      "* 2 FETCH (FLAGS (\\Flagged \\Recent))",
      "a OK STORE completed",
    ]);
    // A UID command may be told (7.4.1), now or at the next command; told once either way.
    const uidStore = await command(client, "b", "UID STORE 3 +FLAGS (\\Flagged)");
    assert.equal(uidStore[0], "* 3 FETCH (FLAGS (\\Flagged \\Recent) UID 3)");
    assert.equal(uidStore.at(-1), "b OK UID STORE completed");
    const both = [...uidStore, ...await command(client, "n", "NOOP")];
    assert.deepEqual(both.filter((line) => line.includes("EXPUNGE")), ["* 1 EXPUNGE"]);
  } finally {
    other.close();
    client.close();
    await server.stop();
  }
});

Deno.test("COPY, MOVE and APPEND into a folder that does not exist answer NO [TRYCREATE]", async () => {
  const { server, client } = await mailboxWith([MESSAGE]);
  try {
    // RFC 3501 6.3.11, 6.4.7: the client may CREATE and try again; nothing is made for it.
    assert.deepEqual(await command(client, "c", "COPY 1 Nowhere"), [
      "c NO [TRYCREATE] No such mailbox",
    ]);
    assert.deepEqual(await command(client, "m", "UID MOVE 1 Nowhere"), [
      "m NO [TRYCREATE] No such mailbox",
    ]);
    const bytes = new TextEncoder().encode(MESSAGE).length;
    assert.deepEqual(await command(client, "a", `APPEND Nowhere {${bytes}+}\r\n${MESSAGE}`), [
      "a NO [TRYCREATE] No such mailbox",
    ]);
    const list = await command(client, "l", 'LIST "" "Nowhere"');
    assert.deepEqual(list, ["l OK LIST completed"]);
  } finally {
    client.close();
    await server.stop();
  }
});
