/**
 * What SEARCH answers with once sequence numbers and UIDs part ways (after an
 * EXPUNGE), and RECENT / NEW / OLD against a session where only some
 * messages are \Recent. (Found by mutation testing: SEARCH answering UIDs,
 * and RECENT matching every message, both passed every test.)
 */
import assert from "node:assert/strict";
import { assertSearches, command, loginAsBob, mailboxWith } from "./imap_helpers.ts";

const MESSAGE = "Subject: one\r\nFrom: a@remote.test\r\n\r\nbody\r\n";

Deno.test("SEARCH answers sequence numbers and UID SEARCH UIDs once an EXPUNGE has shifted them", async () => {
  const { server, client } = await mailboxWith([MESSAGE, MESSAGE, MESSAGE]);
  try {
    await command(client, "d", "STORE 1 +FLAGS.SILENT (\\Deleted)");
    assert.deepEqual(await command(client, "e", "EXPUNGE"), [
      "* 1 EXPUNGE",
      "e OK EXPUNGE completed",
    ]);
    // RFC 3501 7.2.5: SEARCH's numbers are sequence numbers, UID SEARCH's are UIDs (6.4.8).
    await assertSearches(client, [
      ["all, by number", "ALL", "1 2"],
      ["a UID set", "UID 3", "2"],
      // "*" is the last sequence number, and in a UID set the highest UID (RFC 3501 9).
      ["the last message", "*", "2"],
      ["UIDs from the highest", "UID 3:*", "2"],
    ]);
    const uids = await command(client, "u", "UID SEARCH ALL");
    assert.deepEqual(uids, ["* SEARCH 2 3", "u OK UID SEARCH completed"]);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("SEARCH RECENT, NEW and OLD tell the session's \\Recent messages from the others", async () => {
  const { server, client } = await mailboxWith([MESSAGE, MESSAGE]);
  try {
    // 1 and 2 were \Recent to this session's first SELECT; only the APPEND after it is
    // \Recent to the next (RFC 3501 2.3.2: recent in one session only, 6.3.11: APPEND sets it).
    assert.match((await command(client, "x", "UNSELECT")).at(-1)!, /^x OK/);
    const bytes = new TextEncoder().encode(MESSAGE).length;
    assert.match(
      (await command(client, "a", `APPEND INBOX {${bytes}+}\r\n${MESSAGE}`)).at(-1)!,
      /^a OK/,
    );
    const select = await command(client, "s", "SELECT INBOX");
    assert.ok(select.includes("* 1 RECENT"), select.join("\n"));
    await command(client, "f", "STORE 2 +FLAGS.SILENT (\\Seen)");
    // RFC 3501 6.4.4: NEW is RECENT UNSEEN, OLD is NOT RECENT.
    await assertSearches(client, [
      ["recent", "RECENT", "3"],
      ["not recent", "NOT RECENT", "1 2"],
      ["new", "NEW", "3"],
      ["old", "OLD", "1 2"],
      ["old and unseen", "OLD UNSEEN", "1"],
    ]);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("SEARCH holds back another session's EXPUNGE and answers in the numbers the client knows", async () => {
  const { server, client } = await mailboxWith([MESSAGE, MESSAGE, MESSAGE]);
  const other = await loginAsBob(server.ports.imap!);
  try {
    assert.match((await command(other, "s", "SELECT INBOX")).at(-1)!, /^s OK/);
    await command(other, "d", "STORE 2 +FLAGS.SILENT (\\Deleted)");
    assert.match((await command(other, "e", "EXPUNGE")).at(-1)!, /^e OK/);
    // RFC 3501 7.4.1: no EXPUNGE while responding to SEARCH; message 3 is still number 3.
    assert.deepEqual(await command(client, "t", "SEARCH ALL"), [
      "* SEARCH 1 3",
      "t OK SEARCH completed",
    ]);
    assert.deepEqual(await command(client, "n", "NOOP"), ["* 2 EXPUNGE", "n OK NOOP completed"]);
  } finally {
    other.close();
    client.close();
    await server.stop();
  }
});
