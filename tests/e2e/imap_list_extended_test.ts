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

Deno.test("LIST (SUBSCRIBED) says \\HasNoChildren for a mailbox whose only child was deleted while subscribed", async () => {
  // RFC 5258 3.2: with SUBSCRIBED "all mailbox flags MUST be accurately computed", and
  // \HasChildren (4) means child mailboxes: a subscription to a deleted one is none.
  const { server, client } = await loggedIn();
  try {
    for (const line of ["CREATE Top", "CREATE Top.Child", "SUBSCRIBE Top", "SUBSCRIBE Top.Child"]) {
      assert.match((await command(client, "c", line)).at(-1)!, /^c OK /, line);
    }
    assert.match((await command(client, "d", "DELETE Top.Child")).at(-1)!, /^d OK /);
    const plain = await command(client, "p", 'LIST "" "Top" RETURN (CHILDREN)');
    assert.deepEqual(plain, ['* LIST (\\HasNoChildren) "." Top', "p OK LIST completed"]);
    const subscribed = await command(client, "s", 'LIST (SUBSCRIBED) "" "Top" RETURN (CHILDREN)');
    assert.deepEqual(subscribed, [
      '* LIST (\\HasNoChildren \\Subscribed) "." Top',
      "s OK LIST completed",
    ]);
    const recursive = await command(client, "r", 'LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"');
    const top = recursive.find((line) => line.endsWith(' "." Top ("CHILDINFO" ("SUBSCRIBED"))'));
    assert.equal(top, '* LIST (\\HasNoChildren \\Subscribed) "." Top ("CHILDINFO" ("SUBSCRIBED"))');
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("an extended LIST does not treat the empty pattern as the request for the delimiter", async () => {
  // RFC 5258 3: ANY extended LIST MUST NOT treat "" as that special request, and an empty
  // name among several MUST be ignored for matching; the plain LIST still answers it.
  const { server, client } = await loggedIn();
  try {
    assert.deepEqual(await command(client, "p", 'LIST "" ""'), [
      '* LIST (\\Noselect) "." ""',
      "p OK LIST completed",
    ]);
    const cases = [
      'LIST (SUBSCRIBED) "" ""',
      'LIST "" ("")',
      'LIST "" "" RETURN (CHILDREN)',
      'LIST (SUBSCRIBED) "INBOX" ""',
    ];
    for (const line of cases) {
      assert.deepEqual(await command(client, "e", line), ["e OK LIST completed"], line);
    }
    assert.deepEqual(await command(client, "m", 'LIST "" ("" "INBOX")'), [
      '* LIST (\\HasNoChildren) "." INBOX',
      "m OK LIST completed",
    ]);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("a child of INBOX created in lower case is INBOX's child: listed by inbox patterns, \\HasChildren on INBOX", async () => {
  // RFC 3501 5.1: INBOX is case-insensitive, and LIST "inbox.%" lists INBOX's children;
  // "inbox.Lists" was made as a second hierarchy "inbox" that no INBOX pattern reached.
  const { server, client } = await loggedIn();
  try {
    for (const line of ["CREATE inbox.Lists", "CREATE inboxold"]) {
      assert.match((await command(client, "c", line)).at(-1)!, /^c OK /, line);
    }
    assert.deepEqual(await command(client, "l", 'LIST "" "inbox*"'), [
      '* LIST (\\HasChildren) "." INBOX',
      '* LIST (\\HasNoChildren) "." INBOX.Lists',
      '* LIST (\\HasNoChildren) "." inboxold',
      "l OK LIST completed",
    ]);
    assert.deepEqual(await command(client, "o", 'LIST "" "inboxold"'), [
      '* LIST (\\HasNoChildren) "." inboxold',
      "o OK LIST completed",
    ]);
    const all = await command(client, "a", 'LIST "" "*"');
    assert.ok(!all.some((line) => line.endsWith(' "." inbox')), all.join("\n"));
    for (const line of ["SUBSCRIBE inbox.lists", "SUBSCRIBE INBOX.Lists"]) {
      await command(client, "s", line);
    }
    assert.match((await command(client, "u", "UNSUBSCRIBE Inbox.Lists")).at(-1)!, /^u OK /);
    assert.match((await command(client, "d", "DELETE inbox.Lists")).at(-1)!, /^d OK /);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("an extended LIST names a parent that is no mailbox \\NonExistent, as LIST (SUBSCRIBED) names a deleted one", async () => {
  // RFC 5258 3: \NonExistent MUST be accurately computed; 3.5: a server where "a.b" exists
  // without "a" SHOULD say "\NonExistent \HasChildren" (example 11: LIST () "" %). The plain
  // LIST and LSUB keep RFC 3501's \Noselect (6.3.8, 6.3.9).
  const { server, client } = await loggedIn();
  try {
    for (const line of ["CREATE Kept", "SUBSCRIBE Kept", "CREATE Kept.Child", "DELETE Kept"]) {
      assert.match((await command(client, "c", line)).at(-1)!, /^c OK /, line);
    }
    for (const line of ["CREATE Deep.Sub.Leaf", "SUBSCRIBE Deep.Sub.Leaf"]) {
      assert.match((await command(client, "c", line)).at(-1)!, /^c OK /, line);
    }
    const cases: [string, string[]][] = [
      ['LIST () "" "Deep"', ['* LIST (\\NonExistent \\HasChildren) "." Deep']],
      ['LIST "" "Deep" RETURN (CHILDREN)', ['* LIST (\\NonExistent \\HasChildren) "." Deep']],
      ['LIST (SUBSCRIBED) "" "Kept"', [
        '* LIST (\\NonExistent \\HasChildren \\Subscribed) "." Kept',
      ]],
      [
        'LIST (SUBSCRIBED RECURSIVEMATCH) "" "Deep.%"',
        ['* LIST (\\NonExistent \\HasChildren) "." Deep.Sub ("CHILDINFO" ("SUBSCRIBED"))'],
      ],
      ['LIST "" "Deep"', ['* LIST (\\Noselect \\HasChildren) "." Deep']],
      ['LSUB "" "Kept"', ['* LSUB (\\Noselect \\HasChildren) "." Kept']],
    ];
    for (const [line, expected] of cases) {
      const tag = line.startsWith("LSUB") ? "u" : "l";
      const verb = line.startsWith("LSUB") ? "LSUB" : "LIST";
      assert.deepEqual(await command(client, tag, line), [
        ...expected,
        `${tag} OK ${verb} completed`,
      ], line);
    }
    // Neither name is a mailbox: each can be created.
    for (const line of ["CREATE Deep", "CREATE Kept"]) {
      assert.match((await command(client, "c", line)).at(-1)!, /^c OK /, line);
    }
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("an extended LIST with an empty list of patterns is BAD", async () => {
  // RFC 5258 6: patterns = "(" list-mailbox *(SP list-mailbox) ")": at least one pattern.
  const { server, client } = await loggedIn();
  try {
    for (const line of ['LIST "" ()', 'LIST () "" () RETURN (CHILDREN)', 'LIST "" ( )']) {
      const answer = await command(client, "b", line);
      assert.equal(answer.length, 1, line);
      assert.match(answer[0]!, /^b BAD /, line);
    }
    assert.deepEqual(await command(client, "o", 'LIST () "" (INBOX) RETURN ()'), [
      '* LIST (\\HasNoChildren) "." INBOX',
      "o OK LIST completed",
    ]);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("a special-use name that is no mailbox carries no special-use attribute and is not selected by SPECIAL-USE", async () => {
  // RFC 6154 2: \Sent marks a mailbox "used to hold copies of messages that have been sent";
  // 3: the SPECIAL-USE selection option returns only mailboxes with such an attribute. A
  // deleted Sent (kept as the parent of Sent.Old) or Drafts (kept by its subscription) is none.
  const { server, client } = await loggedIn();
  try {
    for (const line of ["CREATE Sent.Old", "DELETE Sent", "DELETE Drafts"]) {
      assert.match((await command(client, "c", line)).at(-1)!, /^c OK /, line);
    }
    const selected = await command(client, "s", 'LIST (SPECIAL-USE) "" *');
    assert.deepEqual(selected, [
      '* LIST (\\HasNoChildren \\Archive) "." Archive',
      '* LIST (\\HasNoChildren \\Junk) "." Junk',
      '* LIST (\\HasNoChildren \\Trash) "." Trash',
      "s OK LIST completed",
    ]);
    const subscribed = await command(client, "u", 'LIST (SUBSCRIBED SPECIAL-USE) "" "*"');
    assert.ok(!subscribed.some((line) => / (Drafts|Sent)$/.test(line)), subscribed.join("\n"));
    assert.deepEqual(await command(client, "r", 'LIST "" (Sent Drafts) RETURN (SPECIAL-USE)'), [
      '* LIST (\\NonExistent \\HasChildren) "." Sent',
      "r OK LIST completed",
    ]);
    // Made again, each is the special mailbox once more.
    for (const line of ["CREATE Sent", "CREATE Drafts"]) {
      assert.match((await command(client, "c", line)).at(-1)!, /^c OK /, line);
    }
    assert.deepEqual(await command(client, "a", 'LIST "" (Sent Drafts) RETURN (SPECIAL-USE)'), [
      '* LIST (\\HasNoChildren \\Drafts) "." Drafts',
      '* LIST (\\HasChildren \\Sent) "." Sent',
      "a OK LIST completed",
    ]);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("RECURSIVEMATCH with SUBSCRIBED and SPECIAL-USE lists a parent only for a descendant that meets both", async () => {
  // RFC 5258 3: with several selection options, names that satisfy every one; 3.5: CHILDINFO
  // says a descendant "matches the selection criteria". Trash.x is subscribed, not special.
  const { server, client } = await loggedIn();
  try {
    for (const line of ["CREATE Trash.x", "SUBSCRIBE Trash.x", "UNSUBSCRIBE Trash"]) {
      assert.match((await command(client, "c", line)).at(-1)!, /^c OK /, line);
    }
    for (const options of ["SUBSCRIBED SPECIAL-USE RECURSIVEMATCH", "SPECIAL-USE RECURSIVEMATCH"]) {
      const list = await command(client, "r", `LIST (${options}) "" "%"`);
      assert.ok(
        !list.some((line) => line.includes("CHILDINFO")),
        `${options}:\n${list.join("\n")}`,
      );
      assert.equal(list.some((line) => line.endsWith(" Trash")), !options.includes("SUBSCRIBED"));
    }
    // SUBSCRIBED alone: Trash.x meets it, so the unsubscribed Trash comes with CHILDINFO.
    const subscribed = await command(client, "s", 'LIST (SUBSCRIBED RECURSIVEMATCH) "" "Trash"');
    assert.deepEqual(subscribed, [
      '* LIST (\\HasChildren \\Trash) "." Trash ("CHILDINFO" ("SUBSCRIBED"))',
      "s OK LIST completed",
    ]);
  } finally {
    client.close();
    await server.stop();
  }
});
