/**
 * IMAP as the big desktop and mobile clients speak it (Thunderbird, Apple
 * Mail, Outlook, K-9/FairEmail, Evolution, Roundcube, mutt): what their
 * first sync, folder moves and draft saves rely on, over raw sockets.
 */
import assert from "node:assert/strict";
import { startServer } from "./harness.ts";
import { command } from "./imap_helpers.ts";
import { RawClient } from "./raw_client.ts";

const USERS = { "bob@example.test": "pw-bob" };
const FLAGS = ["--insecure-auth"];

Deno.test("the greeting's response code is CAPABILITY with the same list the CAPABILITY command gives (RFC 3501 7.1)", async () => {
  const server = await startServer({ users: USERS, flags: FLAGS });
  const client = await RawClient.connect(server.ports.imap!);
  try {
    const greeting = (await client.line())!;
    // Thunderbird, mutt and Apple Mail take the capabilities from "[CAPABILITY ...]" here.
    const match = /^\* OK \[CAPABILITY ([^\]]+)\] /.exec(greeting);
    assert.ok(match, greeting);
    const asked = await command(client, "c", "CAPABILITY");
    assert.equal(asked[0], `* CAPABILITY ${match[1]}`);
    assert.match(match[1]!, /^IMAP4rev1 .*AUTH=PLAIN/);
  } finally {
    client.close();
    await server.stop();
  }
});
