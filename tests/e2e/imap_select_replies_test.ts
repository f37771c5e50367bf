/**
 * SELECT's numbers once messages were read and the highest one expunged,
 * and UID EXPUNGE keeping to its set. (Found by mutation testing: UNSEEN
 * off by one, UIDNEXT worked out from the highest UID left, and UID EXPUNGE
 * removing every \Deleted message, each passed every test.)
 */
import assert from "node:assert/strict";
import { command, mailboxWith } from "./imap_helpers.ts";

const MESSAGE = "Subject: one\r\nFrom: a@remote.test\r\n\r\nbody\r\n";

Deno.test("SELECT names the first unseen message by number, and UIDNEXT does not fall back when the last message is expunged", async () => {
  const { server, client } = await mailboxWith([MESSAGE, MESSAGE, MESSAGE, MESSAGE]);
  try {
    await command(client, "d", "STORE 1 +FLAGS.SILENT (\\Seen)");
    await command(client, "d", "STORE 4 +FLAGS.SILENT (\\Deleted)");
    assert.deepEqual(await command(client, "e", "EXPUNGE"), [
      "* 4 EXPUNGE",
      "e OK EXPUNGE completed",
    ]);
    const select = await command(client, "s", "SELECT INBOX");
    // RFC 3501 7.1: UNSEEN is "the message sequence number of the first unseen message".
    assert.ok(select.includes("* OK [UNSEEN 2] First unseen"), select.join("\n"));
    // RFC 3501 2.3.1.1: UIDs are never reused, so the next one is still 5, not 4.
    assert.ok(select.includes("* OK [UIDNEXT 5] Predicted next UID"), select.join("\n"));
    assert.ok(select.includes("* 3 EXISTS"), select.join("\n"));
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("UID EXPUNGE removes only the \\Deleted messages in its set", async () => {
  const { server, client } = await mailboxWith([MESSAGE, MESSAGE, MESSAGE]);
  try {
    await command(client, "d", "STORE 1:3 +FLAGS.SILENT (\\Deleted)");
    // RFC 4315 2.1: messages with \Deleted outside the set are not removed.
    assert.deepEqual(await command(client, "e", "UID EXPUNGE 2"), [
      "* 2 EXPUNGE",
      "e OK UID EXPUNGE completed",
    ]);
    assert.deepEqual(await command(client, "u", "UID SEARCH ALL"), [
      "* SEARCH 1 3",
      "u OK UID SEARCH completed",
    ]);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("STATUS counts the unseen messages and adds up their sizes", async () => {
  const messages = [MESSAGE, MESSAGE + "more\r\n", MESSAGE + "and more again\r\n"];
  const { server, client } = await mailboxWith(messages);
  try {
    await command(client, "d", "STORE 2 +FLAGS.SILENT (\\Seen)");
    assert.match((await command(client, "u", "UNSELECT")).at(-1)!, /^u OK/);
    // RFC 3501 6.3.10: UNSEEN is the number without \Seen; RFC 8438 3: SIZE the total octets.
    const size = messages.reduce((sum, message) => sum + message.length, 0);
    assert.deepEqual(await command(client, "t", "STATUS INBOX (MESSAGES UNSEEN SIZE)"), [
      `* STATUS INBOX (MESSAGES 3 UNSEEN 2 SIZE ${size})`,
      "t OK STATUS completed",
    ]);
    // Item names are atoms, case-insensitive (RFC 3501 9); the answer names them in capitals.
    assert.deepEqual(await command(client, "l", "STATUS INBOX (messages Unseen)"), [
      "* STATUS INBOX (MESSAGES 3 UNSEEN 2)",
      "l OK STATUS completed",
    ]);
  } finally {
    client.close();
    await server.stop();
  }
});
