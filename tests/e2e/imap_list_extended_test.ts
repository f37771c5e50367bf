/**
 * LIST-EXTENDED (RFC 5258), which the server advertises: the selection
 * options' rules and the attributes it must compute, over raw sockets.
 */
import assert from "node:assert/strict";
import { type Server, startServer } from "./harness.ts";
import { RawClient } from "./raw_client.ts";

const USERS = { "bob@example.test": "pw-bob" };
const FLAGS = ["--insecure-auth"];

async function command(client: RawClient, tag: string, line: string): Promise<string[]> {
  await client.send(`${tag} ${line}\r\n`);
  const lines: string[] = [];
  while (true) {
    const read = await client.line();
    if (read === null) throw new Error(`connection closed; got ${lines.join(" | ")}`);
    lines.push(read);
    if (read.startsWith(tag + " ")) return lines;
  }
}

async function loggedIn(): Promise<{ server: Server; client: RawClient }> {
  const server = await startServer({ users: USERS, flags: FLAGS });
  const client = await RawClient.connect(server.ports.imap!);
  assert.match((await client.line())!, /^\* OK /);
  assert.match((await command(client, "l", "LOGIN bob@example.test pw-bob")).at(-1)!, /^l OK /);
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
