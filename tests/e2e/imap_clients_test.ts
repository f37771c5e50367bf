/**
 * IMAP as the big desktop and mobile clients speak it (Thunderbird, Apple
 * Mail, Outlook, K-9/FairEmail, Evolution, Roundcube, mutt): what their
 * first sync, folder moves and draft saves rely on, over raw sockets.
 */
import assert from "node:assert/strict";
import { startServer } from "./harness.ts";
import { command, loginAsBob } from "./imap_helpers.ts";
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

Deno.test("once a folder holds all 26 keywords, SELECT no longer offers \\* in PERMANENTFLAGS (RFC 3501 7.1), as STORE of a new one gets NO [LIMIT]", async () => {
  const server = await startServer({ users: USERS, flags: FLAGS });
  const client = await loginAsBob(server.ports.imap!);
  try {
    const message = "Subject: tags\r\n\r\nbody\r\n";
    await command(client, "a", `APPEND INBOX {${message.length}+}\r\n${message}`);
    const first = await command(client, "s1", "SELECT INBOX");
    assert.ok(
      first.some((line) => /^\* OK \[PERMANENTFLAGS \(.*\\\*\)\]/.test(line)),
      first.join("\n"),
    );
    // Thunderbird's tags are keywords: $label1..$label5, then one per tag the user makes.
    const tags = Array.from({ length: 25 }, (_, i) => `$label${i + 1}`).join(" ");
    assert.match(
      (await command(client, "t1", `STORE 1 +FLAGS.SILENT (${tags})`)).at(-1)!,
      /^t1 OK/,
    );
    // One letter left: \* is still true.
    const still = await command(client, "s2", "SELECT INBOX");
    assert.ok(
      still.some((line) => /^\* OK \[PERMANENTFLAGS \(.*\\\*\)\]/.test(line)),
      still.join("\n"),
    );
    assert.match((await command(client, "t2", "STORE 1 +FLAGS.SILENT (Work)")).at(-1)!, /^t2 OK/);
    const full = await command(client, "s3", "SELECT INBOX");
    const permanent = full.find((line) => line.startsWith("* OK [PERMANENTFLAGS "));
    assert.ok(permanent, full.join("\n"));
    assert.ok(!permanent.includes("\\*"), permanent);
    assert.ok(permanent.includes("$label25 Work)"), permanent);
    // What the missing \* announces: a new keyword cannot be made.
    assert.match(
      (await command(client, "t3", "STORE 1 +FLAGS (Home)")).at(-1)!,
      /^t3 NO \[LIMIT\]/,
    );
    // APPEND with that keyword is refused the same way, and saves nothing (RFC 3501 6.3.11).
    const more = "Subject: more\r\n\r\nbody\r\n";
    assert.match(
      (await command(client, "a2", `APPEND INBOX (Home) {${more.length}+}\r\n${more}`)).at(-1)!,
      /^a2 NO \[LIMIT\]/,
    );
    // With keywords the folder already has, it is taken.
    assert.match(
      (await command(client, "a3", `APPEND INBOX (Work $label1) {${more.length}+}\r\n${more}`))
        .at(-1)!,
      /^a3 OK/,
    );
    const status = await command(client, "st", "STATUS INBOX (MESSAGES)");
    assert.ok(status.includes("* STATUS INBOX (MESSAGES 2)"), status.join("\n"));
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("a folder named NIL (any case) is sent quoted in LIST, LSUB and STATUS, never as the atom NIL that parsers read as nil", async () => {
  const server = await startServer({ users: USERS, flags: FLAGS });
  const client = await loginAsBob(server.ports.imap!);
  try {
    for (const [i, name] of ["NIL", "nil.x", "Nil Folder"].entries()) {
      assert.match((await command(client, `c${i}`, `CREATE "${name}"`)).at(-1)!, /^c\d OK/);
    }
    assert.match((await command(client, "u", "SUBSCRIBE NIL")).at(-1)!, /^u OK/);
    // imapflow (npm) showed both "NIL" and "nil" as a folder with the path "".
    const listed = await command(client, "l", 'LIST "" "*"');
    assert.ok(listed.includes('* LIST (\\HasNoChildren) "." "NIL"'), listed.join("\n"));
    assert.ok(listed.includes('* LIST (\\Noselect \\HasChildren) "." "nil"'), listed.join("\n"));
    assert.ok(listed.includes('* LIST (\\HasNoChildren) "." nil.x'), listed.join("\n"));
    assert.ok(listed.includes('* LIST (\\HasNoChildren) "." "Nil Folder"'), listed.join("\n"));
    const subscribed = await command(client, "s", 'LSUB "" "N*"');
    assert.deepEqual(subscribed.slice(0, -1), ['* LSUB (\\HasNoChildren) "." "NIL"']);
    const status = await command(client, "t", "STATUS NIL (MESSAGES)");
    assert.equal(status[0], '* STATUS "NIL" (MESSAGES 0)');
  } finally {
    client.close();
    await server.stop();
  }
});
