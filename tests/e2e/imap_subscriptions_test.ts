/**
 * Subscriptions are one file per account, read, changed and written back:
 * sessions of the same account that SUBSCRIBE at the same time must each
 * see their change kept (RFC 9051 6.3.7), none written over by another's.
 */
import assert from "node:assert/strict";
import { startServer } from "./harness.ts";
import { command, loginAsBob } from "./imap_helpers.ts";
import { RawClient } from "./raw_client.ts";

Deno.test("SUBSCRIBE and UNSUBSCRIBE from many sessions at once all take effect", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw-bob" },
    flags: ["--insecure-auth"],
  });
  const clients: RawClient[] = [];
  try {
    const count = 8;
    for (let i = 0; i < count; i++) clients.push(await loginAsBob(server.ports.imap!));
    const first = clients[0]!;
    for (let i = 0; i < count; i++) {
      assert.match((await command(first, "c", `CREATE f${i}`)).at(-1)!, /^c OK/);
    }
    // Each session subscribes its own folder while the others do the same.
    const subscribed = await Promise.all(
      clients.map((client, i) => command(client, "s", `SUBSCRIBE f${i}`)),
    );
    assert.deepEqual(
      subscribed.map((lines) => lines.at(-1)),
      clients.map(() => "s OK SUBSCRIBE completed"),
    );
    const lsub = await command(first, "u", 'LSUB "" "f*"');
    assert.deepEqual(
      lsub.slice(0, -1),
      [...Array(count).keys()].map((i) => `* LSUB (\\HasNoChildren) "." f${i}`),
    );
    // And the special-use folders subscribed at the first login are still there.
    assert.equal(
      (await command(first, "t", 'LSUB "" "Sent"'))[0],
      '* LSUB (\\HasNoChildren \\Sent) "." Sent',
    );

    const removed = await Promise.all(
      clients.map((client, i) => command(client, "x", `UNSUBSCRIBE f${i}`)),
    );
    assert.deepEqual(
      removed.map((lines) => lines.at(-1)),
      clients.map(() => "x OK UNSUBSCRIBE completed"),
    );
    assert.deepEqual(await command(first, "v", 'LSUB "" "f*"'), ["v OK LSUB completed"]);
  } finally {
    for (const client of clients) client.close();
    await server.stop();
  }
});

Deno.test("LSUB with % names the unsubscribed parent of a subscribed folder, \\Noselect", async () => {
  // RFC 3501 6.3.9: "foo/bar" subscribed, "foo" not: LSUB "%" MUST return foo with \Noselect.
  const server = await startServer({
    users: { "bob@example.test": "pw-bob" },
    flags: ["--insecure-auth"],
  });
  const client = await loginAsBob(server.ports.imap!);
  try {
    for (
      const line of [
        "CREATE Lists",
        "CREATE Lists.Deno",
        "SUBSCRIBE Lists.Deno",
        "CREATE Loose.Ends",
        "SUBSCRIBE Loose.Ends",
      ]
    ) {
      assert.match((await command(client, "c", line)).at(-1)!, /^c OK/);
    }
    const top = await command(client, "a", 'LSUB "" "L%"');
    assert.deepEqual(top, [
      '* LSUB (\\Noselect \\HasChildren) "." Lists',
      '* LSUB (\\Noselect \\HasChildren) "." Loose',
      "a OK LSUB completed",
    ]);
    // "*" reaches the subscribed names themselves: no parent is added.
    const all = await command(client, "b", 'LSUB "" "L*"');
    assert.deepEqual(all, [
      '* LSUB (\\HasNoChildren) "." Lists.Deno',
      '* LSUB (\\HasNoChildren) "." Loose.Ends',
      "b OK LSUB completed",
    ]);
    // LIST (SUBSCRIBED) without RECURSIVEMATCH lists subscribed names only (RFC 5258 3).
    const list = await command(client, "d", 'LIST (SUBSCRIBED) "" "L%"');
    assert.deepEqual(list, ["d OK LIST completed"]);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("UNSUBSCRIBE of a name that is not subscribed is OK, the list unchanged", async () => {
  // RFC 9051 6.3.8: OK "if the unsubscription is successful or if the mailbox is not
  // subscribed". Roundcube renames a folder, then UNSUBSCRIBEs the old name (we had
  // moved the subscription with the folder already); a NO there, or for a folder
  // another client unsubscribed first, showed its user an error.
  const server = await startServer({
    users: { "bob@example.test": "pw-bob" },
    flags: ["--insecure-auth"],
  });
  const client = await loginAsBob(server.ports.imap!);
  try {
    for (const line of ["CREATE Old", "SUBSCRIBE Old", "RENAME Old New", "CREATE Plain"]) {
      assert.match((await command(client, "c", line)).at(-1)!, /^c OK/);
    }
    for (const name of ["Old", "Plain", "Never.Was"]) {
      assert.deepEqual(await command(client, "u", `UNSUBSCRIBE ${name}`), [
        "u OK UNSUBSCRIBE completed",
      ]);
    }
    assert.deepEqual(await command(client, "l", 'LSUB "" "*"'), [
      '* LSUB (\\HasNoChildren \\Archive) "." Archive',
      '* LSUB (\\HasNoChildren \\Drafts) "." Drafts',
      '* LSUB (\\HasNoChildren) "." INBOX',
      '* LSUB (\\HasNoChildren \\Junk) "." Junk',
      '* LSUB (\\HasNoChildren) "." New',
      '* LSUB (\\HasNoChildren \\Sent) "." Sent',
      '* LSUB (\\HasNoChildren \\Trash) "." Trash',
      "l OK LSUB completed",
    ]);
  } finally {
    client.close();
    await server.stop();
  }
});
