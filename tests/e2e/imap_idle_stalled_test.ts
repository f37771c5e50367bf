/**
 * A client in IDLE that stopped reading (hung, or its host went to sleep
 * with the socket open) while its mailbox keeps changing: the updates the
 * server queues for it are not a sign of life. It is logged out after the
 * idle timeout (RFC 9051 5.4), rather than kept for ever with its unread
 * updates piling up in the server's memory.
 */
import assert from "node:assert/strict";
import { startServer } from "./harness.ts";
import { command, loginAsBob } from "./imap_helpers.ts";
import type { RawClient } from "./raw_client.ts";

const MESSAGES = 20;
/** 26 keywords of 50 characters: every flag change of a message is a ~1.4 KB FETCH line. */
const KEYWORDS = Array.from({ length: 26 }, (_, i) => String.fromCharCode(97 + i).repeat(50));
/** Changes to make at most: far more than the kernel's socket buffers and ours hold. */
const MAX_CHANGES = 4_000;

/** Sends NOOPs on `client` 100 ms apart until the returned function is called and awaited. */
function keepAlive(client: RawClient): () => Promise<void> {
  let isStopping = false;
  const running = (async () => {
    for (let i = 0; !isStopping; i++) {
      assert.match((await command(client, `n${i}`, "NOOP")).at(-1)!, /^n\d+ OK /);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return () => {
    isStopping = true;
    return running;
  };
}

Deno.test("a client in IDLE that stops reading is logged out while its mailbox keeps changing", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw-bob" },
    flags: ["--insecure-auth", "--imap-idle-timeout=1s"],
  });
  const active = await loginAsBob(server.ports.imap!);
  let stalled: RawClient | null = null;
  let stopKeepingAlive = async () => {};
  try {
    for (let i = 0; i < MESSAGES; i++) {
      const message = `Subject: ${i}\r\n\r\nbody ${i}\r\n`;
      const reply = await command(
        active,
        `a${i}`,
        `APPEND INBOX {${message.length}+}\r\n${message}`,
      );
      assert.match(reply.at(-1)!, /^a\d+ OK /);
    }
    assert.match((await command(active, "s", "SELECT INBOX")).at(-1)!, /^s OK /);
    const keywords = `STORE 1:* +FLAGS.SILENT (${KEYWORDS.join(" ")})`;
    assert.match((await command(active, "k", keywords)).at(-1)!, /^k OK /);
    // The idle timeout is 1 s for both sessions. The stalled one connects only now: 20
    // APPENDs, each synced, can take longer than that on a busy machine. And the active one
    // keeps talking while the other logs in (a password check, also slow there).
    stopKeepingAlive = keepAlive(active);
    stalled = await loginAsBob(server.ports.imap!);
    assert.match((await command(stalled, "s", "SELECT INBOX")).at(-1)!, /^s OK /);
    await stalled.send("i IDLE\r\n");
    assert.equal(await stalled.line(), "+ idling");
    await stopKeepingAlive();
    // The second session to connect is the stalled one.
    const cid = [...server.log().matchAll(/event=imap\.connect cid=(\S+)/g)][1]![1]!;
    const loggedOut = new RegExp(`event=imap\\.disconnect cid=${cid}`);
    // From here on the stalled client reads nothing, while every change is announced to it.
    let changes = 0;
    while (changes < MAX_CHANGES && !loggedOut.test(server.log())) {
      const sign = changes % 2 === 0 ? "+" : "-";
      const reply = await command(
        active,
        `f${changes}`,
        `STORE 1:* ${sign}FLAGS.SILENT (\\Flagged)`,
      );
      assert.match(reply.at(-1)!, /^f\d+ OK /);
      changes++;
    }
    assert.match(server.log(), loggedOut, `still logged in after ${changes} changes`);
    assert.match((await command(active, "n", "NOOP")).at(-1)!, /^n OK /);
  } finally {
    await stopKeepingAlive().catch(() => {}); // a failure there failed the test already
    active.close();
    stalled?.close();
    await server.stop();
  }
});
