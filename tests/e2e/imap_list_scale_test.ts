/**
 * LIST and LSUB over an account with tens of thousands of names: the
 * hierarchy attributes (CHILDINFO, LSUB's \Noselect parents, \HasChildren)
 * are found in one pass over the names, not by comparing each name with
 * every other, which held the event loop for minutes at this size (every
 * user of the server waited).
 */
import assert from "node:assert/strict";
import { type Server, startServer } from "./harness.ts";
import { command, loginAsBob } from "./imap_helpers.ts";
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

/** Adds the subscriptions "P0.x" .. to bob's file (their folders need not exist). */
async function subscribeParents(server: Server): Promise<void> {
  const file = `${server.spoolDir}/mail/example.test/bob/pillarbox-subscriptions`;
  const names = Array.from({ length: PARENTS }, (_, i) => `P${i}.x\n`);
  await Deno.writeTextFile(file, (await Deno.readTextFile(file)) + names.join(""));
}

/** Runs `body` with bob logged in over IMAP to a server of his own, stopped after. */
async function asBob(body: (client: RawClient, server: Server) => Promise<void>): Promise<void> {
  const server = await startServer({
    users: { "bob@example.test": "pw-bob" },
    flags: ["--insecure-auth"],
  });
  const client = await loginAsBob(server.ports.imap!);
  try {
    await body(client, server);
  } finally {
    client.close();
    await server.stop();
  }
}

Deno.test({
  name:
    "LSUB and LIST RECURSIVEMATCH name 100,000 parents of subscribed children without comparing every pair",
  fn: async () => {
    await asBob(async (client, server) => {
      await subscribeParents(server);
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
    });
  },
});

// Each name was walked through the whole pattern, a position array of its size made for every
// character: this 200 KB pattern cost each of the 100,000 names seconds (hours in all). No name
// is as long as its 100,000 literal characters, so none is walked.
Deno.test("LIST (SUBSCRIBED) with a 200 KB pattern over 100,000 subscriptions answers at once", async () => {
  await asBob(async (client, server) => {
    await subscribeParents(server);
    const pattern = "*a".repeat(100_000);
    const list = await slowCommand(client, "l", `LIST (SUBSCRIBED) "" ${pattern}`);
    assert.deepEqual(list, ["l OK LIST completed"]);
    // The same walk still matches what it should.
    const some = await command(client, "s", 'LIST (SUBSCRIBED) "" *1234*x');
    assert.deepEqual(some.at(-1), "s OK LIST completed");
    assert.equal(some.length, 21, some.slice(0, 3).join("\n"));
  });
});

// Every name is matched against every pattern: 16,384 patterns over 2,000 folders held the
// event loop for 54 s, every other user waiting. Clients send a handful; past 100, NO [LIMIT]
// (RFC 5530), after the whole command is read.
Deno.test("LIST with more than 100 distinct patterns is refused NO [LIMIT]", async () => {
  await asBob(async (client) => {
    const many = Array.from({ length: 16_384 }, (_, i) => `z${i}%`).join(" ");
    const refused = await command(client, "m", `LIST "" (${many})`);
    assert.deepEqual(refused.length, 1, refused.slice(0, 3).join("\n"));
    assert.match(refused[0]!, /^m NO \[LIMIT\] /);
    // 99 and INBOX twice: 100 distinct, the most allowed.
    const hundred = Array.from({ length: 99 }, (_, i) => `z${i}%`);
    const allowed = await command(client, "h", `LIST "" (${hundred.join(" ")} INBOX INBOX)`);
    assert.deepEqual(allowed.at(-1), "h OK LIST completed");
    const bad = await command(client, "b", `LIST "" (${many}) RETURN (NONSENSE)`);
    assert.match(bad.at(-1)!, /^b BAD /, "a syntax error is still BAD");
  });
});
