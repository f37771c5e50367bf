/**
 * LIST-EXTENDED (RFC 5258), which the server advertises: the selection
 * options' rules and the attributes it must compute, over raw sockets.
 */
import assert from "node:assert/strict";
import { type Server, startServer } from "./harness.ts";
import { command, loginAsBob } from "./imap_helpers.ts";
import { RawClient } from "./raw_client.ts";

const USERS = { "bob@example.test": "pw-bob" };
const FLAGS = ["--insecure-auth"];

async function loggedIn(): Promise<{ server: Server; client: RawClient }> {
  const server = await startServer({ users: USERS, flags: FLAGS });
  const client = await loginAsBob(server.ports.imap!);
  return { server, client };
}

Deno.test("LIST (SUBSCRIBED) marks a subscribed mailbox that no longer exists \\NonExistent", async () => {
  // RFC 5258 3.4 and its table in 5: not existing + meets the criteria -> (\NonExistent <attr>).
  const { server, client } = await loggedIn();
  try {
    for (const line of ["CREATE Gone", "SUBSCRIBE Gone", "DELETE Gone"]) {
      assert.match((await command(client, "c", line)).at(-1)!, /^c OK /, line);
    }
    const list = await command(client, "s", 'LIST (SUBSCRIBED) "" "Gone"');
    assert.deepEqual(list, [
      '* LIST (\\NonExistent \\HasNoChildren \\Subscribed) "." Gone',
      "s OK LIST completed",
    ]);
    const lsub = await command(client, "u", 'LSUB "" "Gone"');
    assert.equal(lsub[0], '* LSUB (\\Noselect \\HasNoChildren) "." Gone', "LSUB keeps \\Noselect");
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("RECURSIVEMATCH is BAD alone, and with SUBSCRIBED names a parent of subscribed children with CHILDINFO", async () => {
  // RFC 5258 3: RECURSIVEMATCH alone MUST get BAD; with SUBSCRIBED, a mailbox that matches
  // the pattern and has a subscribed child that does not is returned with CHILDINFO (3.5).
  const { server, client } = await loggedIn();
  try {
    for (const line of ["CREATE Lists.Deno", "SUBSCRIBE Lists.Deno", "CREATE Plain"]) {
      assert.match((await command(client, "c", line)).at(-1)!, /^c OK /, line);
    }
    const alone = await command(client, "a", 'LIST (RECURSIVEMATCH) "" "*"');
    assert.deepEqual(alone.length, 1, alone.join("\n"));
    assert.match(alone[0]!, /^a BAD /);
    const list = await command(client, "r", 'LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"');
    const lists = list.find((line) => line.endsWith(' "." Lists ("CHILDINFO" ("SUBSCRIBED"))'));
    assert.ok(lists !== undefined, list.join("\n"));
    assert.match(lists, /\\HasChildren/);
    assert.doesNotMatch(lists, /\\Subscribed/, "Lists itself is not subscribed");
    assert.ok(!list.some((line) => line.includes(" Plain")), "Plain is not subscribed");
    assert.ok(!list.some((line) => line.includes("Lists.Deno")), "the child does not match %");
    const plain = await command(client, "p", 'LIST (SUBSCRIBED) "" "%"');
    assert.ok(!plain.some((line) => line.includes("CHILDINFO")), "only with RECURSIVEMATCH");
  } finally {
    client.close();
    await server.stop();
  }
});
