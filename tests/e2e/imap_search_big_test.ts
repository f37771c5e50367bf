/**
 * SEARCH BODY over messages past 1 MB, which are searched one at a time
 * across the server: sessions searching at once each get their own answer.
 */
import assert from "node:assert/strict";
import { command, loginAsBob, mailboxWith } from "./imap_helpers.ts";

function bigMessage(word: string): string {
  const line = "filler text of a big message, nothing to find here\r\n";
  return `Subject: big ${word}\r\n\r\n${line.repeat(25_000)}the word is ${word}\r\n`;
}

Deno.test("SEARCH BODY in sessions at once over messages past 1 MB finds each one's word", async () => {
  const { server, client } = await mailboxWith([
    bigMessage("apricot"),
    bigMessage("quince"),
    "Subject: small\r\n\r\nquince and apricot\r\n",
  ]);
  const others = await Promise.all([1, 2, 3].map(() => loginAsBob(server.ports.imap!)));
  try {
    for (const [i, other] of others.entries()) {
      assert.match((await command(other, `s${i}`, "EXAMINE INBOX")).at(-1)!, /OK/);
    }
    const sessions = [client, ...others];
    const words = ["apricot", "quince", "apricot", "nowhere"];
    const replies = await Promise.all(
      sessions.map((session, i) => command(session, `t${i}`, `SEARCH BODY ${words[i]}`)),
    );
    const hits = replies.map((reply) => reply.find((line) => line.startsWith("* SEARCH")));
    assert.deepEqual(hits, ["* SEARCH 1 3", "* SEARCH 2 3", "* SEARCH 1 3", "* SEARCH"]);
  } finally {
    for (const other of others) other.close();
    client.close();
    await server.stop();
  }
});
