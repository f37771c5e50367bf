/**
 * LIST and LSUB over an account with tens of thousands of names: the
 * hierarchy attributes (CHILDINFO, LSUB's \Noselect parents, \HasChildren)
 * are found in one pass over the names, not by comparing each name with
 * every other, which held the event loop for minutes at this size (every
 * user of the server waited).
 */
import assert from "node:assert/strict";
import { startServer } from "./harness.ts";
import { loginAsBob } from "./imap_helpers.ts";
import type { RawClient } from "./raw_client.ts";

/** Subscriptions, one per parent that does not exist ("P7.x" subscribed, "P7" no mailbox). */
const PARENTS = 100_000;

/**
 * Every line of the reply to `line`. A generous deadline per line: the
 * reply is sent whole after the work, which took minutes quadratically.
 */
async function slowCommand(client: RawClient, tag: string, line: string): Promise<string[]> {
  await client.send(`${tag} ${line}\r\n`);
  const lines: string[] = [];
  while (true) {
    const read = await client.line(30_000);
    if (read === null) throw new Error(`connection closed after ${lines.length} lines`);
    lines.push(read);
    if (read.startsWith(tag + " ")) return lines;
  }
}

Deno.test({
  name:
    "LSUB and LIST RECURSIVEMATCH name 100,000 parents of subscribed children without comparing every pair",
  fn: async () => {
    const server = await startServer({
      users: { "bob@example.test": "pw-bob" },
      flags: ["--insecure-auth"],
    });
    const client = await loginAsBob(server.ports.imap!);
    try {
      const dir = `${server.spoolDir}/mail/example.test/bob`;
      const file = `${dir}/pillarbox-subscriptions`;
      const names = Array.from({ length: PARENTS }, (_, i) => `P${i}.x\n`);
      await Deno.writeTextFile(file, (await Deno.readTextFile(file)) + names.join(""));
      // RFC 3501 6.3.9: a parent of a subscribed name "%" does not reach is \Noselect.
      const lsub = await slowCommand(client, "u", 'LSUB "" "P%"');
      assert.equal(lsub.at(-1), "u OK LSUB completed");
      assert.equal(lsub.length, PARENTS + 1);
      assert.equal(lsub[0], '* LSUB (\\Noselect \\HasNoChildren) "." P0');
      // RFC 5258 3.5: such a parent is listed with CHILDINFO.
      const list = await slowCommand(client, "r", 'LIST (SUBSCRIBED RECURSIVEMATCH) "" "P%"');
      assert.equal(list.at(-1), "r OK LIST completed");
      assert.equal(list.length, PARENTS + 1);
      assert.equal(
        list[0],
        '* LIST (\\NonExistent \\HasNoChildren) "." P0 ("CHILDINFO" ("SUBSCRIBED"))',
      );
    } finally {
      client.close();
      await server.stop();
    }
  },
});
