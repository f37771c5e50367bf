/**
 * FETCH replies a client relies on, checked on the wire: UID in every UID
 * FETCH response, no \Seen set through EXAMINE, a UID FETCH that names a
 * message another session expunged, and partial header sections cut to the
 * byte. (Found by mutation testing: each mutant of these lines passed every test.)
 */
import assert from "node:assert/strict";
import { command, loginAsBob, mailboxWith } from "./imap_helpers.ts";

const MESSAGE = "Subject: one\r\nFrom: a@remote.test\r\n\r\nbody\r\n";

Deno.test("UID FETCH puts UID in each response even when the items do not ask for it", async () => {
  const { server, client } = await mailboxWith([MESSAGE, MESSAGE], "EXAMINE");
  try {
    // RFC 3501 6.4.8: "UID FETCH data item ... MUST be included in any FETCH response caused
    // by a UID command"; a client matches the replies to its UIDs by it.
    const reply = await command(client, "f", "UID FETCH 1:* (RFC822.SIZE)");
    assert.deepEqual(reply, [
      `* 1 FETCH (UID 1 RFC822.SIZE ${MESSAGE.length})`,
      `* 2 FETCH (UID 2 RFC822.SIZE ${MESSAGE.length})`,
      "f OK UID FETCH completed",
    ]);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("FETCH BODY[] in an EXAMINEd mailbox leaves \\Seen unset and says no FLAGS", async () => {
  const { server, client } = await mailboxWith([MESSAGE], "EXAMINE");
  try {
    // RFC 3501 6.3.2: with EXAMINE "no permanent state changes ... including ... \Seen";
    // 6.4.5: BODY[] sets \Seen only where it may.
    const reply = await command(client, "f", "FETCH 1 (BODY[])");
    assert.equal(reply.at(-1), "f OK FETCH completed");
    assert.ok(!reply.some((line) => line.includes("FLAGS")), reply.join("\n"));
    assert.match((await command(client, "s", "SELECT INBOX")).at(-1)!, /^s OK/);
    const flags = await command(client, "g", "FETCH 1 (FLAGS)");
    assert.match(flags[0]!, /^\* 1 FETCH \(FLAGS \((\\Recent)?\)\)$/);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("UID FETCH of a message another session expunged leaves it out and answers OK", async () => {
  const { server, client } = await mailboxWith([MESSAGE, MESSAGE]);
  const other = await loginAsBob(server.ports.imap!);
  try {
    assert.match((await command(other, "s", "SELECT INBOX")).at(-1)!, /^s OK/);
    await command(other, "d", "STORE 1 +FLAGS.SILENT (\\Deleted)");
    assert.match((await command(other, "e", "EXPUNGE")).at(-1)!, /^e OK/);
    // RFC 2180 4.1.2 asks for NO on a FETCH by number only; a UID FETCH names UIDs, and one
    // that is gone is simply not there (RFC 3501 6.4.8). The EXPUNGE may follow (a UID command).
    const reply = await command(client, "f", "UID FETCH 1:* (FLAGS)");
    assert.deepEqual(reply, [
      "* 2 FETCH (UID 2 FLAGS (\\Recent))",
      "* 1 EXPUNGE",
      "f OK UID FETCH completed",
    ]);
  } finally {
    other.close();
    client.close();
    await server.stop();
  }
});

Deno.test("a partial of a header section is exactly the bytes asked for", async () => {
  const { server, client } = await mailboxWith([MESSAGE], "EXAMINE");
  try {
    // RFC 3501 6.4.5: <offset.length> is the octets from offset, length of them at most.
    const reply = await command(
      client,
      "f",
      "FETCH 1 (BODY.PEEK[HEADER]<0.9> BODY.PEEK[HEADER.FIELDS (FROM)]<2.5> BODY.PEEK[HEADER]<40.9>)",
    );
    assert.deepEqual(reply, [
      "* 1 FETCH (BODY[HEADER]<0> {9}",
      "Subject:  BODY[HEADER.FIELDS (FROM)]<2> {5}",
      "om: a BODY[HEADER]<40> {0}",
      ")",
      "f OK FETCH completed",
    ]);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("in a UID set, * is the highest UID, not the message count", async () => {
  const { server, client } = await mailboxWith([MESSAGE, MESSAGE, MESSAGE]);
  try {
    await command(client, "d", "STORE 1 +FLAGS.SILENT (\\Deleted)");
    assert.match((await command(client, "e", "EXPUNGE")).at(-1)!, /^e OK/);
    // UIDs 2 and 3 are left, at numbers 1 and 2. RFC 3501 6.4.8: "*" in a UID set is the
    // largest UID in use; "3:*" is what a client asks for to get what came after UID 2.
    assert.deepEqual(await command(client, "f", "UID FETCH 3:* (UID)"), [
      "* 2 FETCH (UID 3)",
      "f OK UID FETCH completed",
    ]);
    // RFC 9051 6.4.9: "n:*" with n above every UID still names the highest one.
    assert.deepEqual(await command(client, "g", "UID FETCH 9:* (UID)"), [
      "* 2 FETCH (UID 3)",
      "g OK UID FETCH completed",
    ]);
  } finally {
    client.close();
    await server.stop();
  }
});
