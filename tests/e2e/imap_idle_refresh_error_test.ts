/**
 * IDLE whose first look at the mailbox fails (a listing error: EIO, out of
 * descriptors, here a `cur` that is no directory for a moment): the client
 * has its "+ idling" and will send DONE, so the failure must not answer the
 * command before it; IDLE goes on, and the changes come once the folder is
 * readable again.
 */
import assert from "node:assert/strict";
import { startServer } from "./harness.ts";
import { command, deliver, loginAsBob } from "./imap_helpers.ts";

Deno.test("IDLE whose first refresh fails keeps idling, and DONE ends it with OK, not BAD", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw-bob" },
    flags: ["--insecure-auth"],
  });
  const client = await loginAsBob(server.ports.imap!);
  const inbox = `${server.spoolDir}/mail/example.test/bob`;
  try {
    assert.match((await command(client, "s", "SELECT INBOX")).at(-1)!, /^s OK /);
    // `cur` becomes a file: the folder's stamp changes, and listing it fails.
    Deno.renameSync(`${inbox}/cur`, `${inbox}/cur.away`);
    Deno.writeTextFileSync(`${inbox}/cur`, "not a folder\n");
    await client.send("i IDLE\r\n");
    assert.equal(await client.line(), "+ idling");
    await server.waitForLog(/event=imap\.refresh_failed /);
    Deno.removeSync(`${inbox}/cur`);
    Deno.renameSync(`${inbox}/cur.away`, `${inbox}/cur`);
    await deliver(server, ["Subject: after\r\n\r\nbody\r\n"]);
    assert.equal(await client.line(), "* 1 EXISTS");
    await client.send("DONE\r\n");
    const rest = [];
    for (let line = await client.line(); line !== null; line = await client.line()) {
      rest.push(line);
      if (line.startsWith("i ")) break;
    }
    assert.equal(rest.at(-1), "i OK IDLE terminated", rest.join("\n"));
    assert.match((await command(client, "n", "NOOP")).at(-1)!, /^n OK /);
  } finally {
    client.close();
    await server.stop();
  }
});
