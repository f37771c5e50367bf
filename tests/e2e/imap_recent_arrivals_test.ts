/**
 * \Recent for messages added by APPEND (RFC 3501 6.3.11: "In either case,
 * the Recent flag is also set"), COPY (6.4.7: SHOULD be set in the copy)
 * and MOVE (RFC 6851: a COPY, then the source's expunge): the session that
 * has the destination selected, or else the next to select it, sees them
 * \Recent, exactly once, as for delivered mail. Before, only messages still
 * in new/ were \Recent, and these go straight to cur/.
 */
import assert from "node:assert/strict";
import { type Server, startServer } from "./harness.ts";
import { command, loginAsBob } from "./imap_helpers.ts";
import type { RawClient } from "./raw_client.ts";

const MESSAGE = "From: a@remote.test\r\nSubject: arrival\r\n\r\nbody\r\n";
const BYTES = new TextEncoder().encode(MESSAGE).length;

/** Appends two messages to INBOX (as bob), the first \Seen, and creates Saved. */
async function prepare(client: RawClient): Promise<void> {
  assert.match((await command(client, "c", "CREATE Saved")).at(-1)!, /^c OK/);
  for (const flags of ["(\\Seen) ", ""]) {
    const reply = await command(client, "a", `APPEND INBOX ${flags}{${BYTES}+}\r\n${MESSAGE}`);
    assert.match(reply.at(-1)!, /^a OK/);
  }
}

/** The RECENT line of a SELECT (or EXAMINE) of `folder`, and the FLAGS of its messages. */
async function openAndFlags(
  client: RawClient,
  open: string,
): Promise<{ recent: string | undefined; flags: string[] }> {
  const lines = await command(client, "s", open);
  assert.match(lines.at(-1)!, /^s OK/);
  const recent = lines.find((line) => line.endsWith(" RECENT"));
  const fetched = await command(client, "f", "FETCH 1:* (FLAGS)");
  return { recent, flags: fetched.slice(0, -1) };
}

const ADDS = [
  {
    name: "APPEND",
    add: (client: RawClient) => command(client, "x", `APPEND Saved {${BYTES}+}\r\n${MESSAGE}`),
    flags: ["* 1 FETCH (FLAGS (\\Recent))"],
  },
  {
    name: "COPY",
    add: (client: RawClient) => command(client, "x", "COPY 1:2 Saved"),
    flags: ["* 1 FETCH (FLAGS (\\Seen \\Recent))", "* 2 FETCH (FLAGS (\\Recent))"],
  },
  {
    name: "MOVE",
    add: (client: RawClient) => command(client, "x", "MOVE 1:2 Saved"),
    flags: ["* 1 FETCH (FLAGS (\\Seen \\Recent))", "* 2 FETCH (FLAGS (\\Recent))"],
  },
];

for (const { name, add, flags } of ADDS) {
  Deno.test(`imap: messages added by ${name} are \\Recent in the next session to select the folder, and only there`, async () => {
    const server: Server = await startServer({
      users: { "bob@example.test": "pw-bob" },
      flags: ["--insecure-auth"],
    });
    const adder = await loginAsBob(server.ports.imap!);
    const first = await loginAsBob(server.ports.imap!);
    const second = await loginAsBob(server.ports.imap!);
    try {
      await prepare(adder);
      assert.match((await command(adder, "s", "SELECT INBOX")).at(-1)!, /^s OK/);
      assert.match((await add(adder)).at(-1)!, /^x OK/);
      const count = flags.length;
      const status = await command(first, "t", "STATUS Saved (RECENT)");
      assert.equal(status[0], `* STATUS Saved (RECENT ${count})`);
      const examined = await openAndFlags(first, "EXAMINE Saved");
      assert.equal(examined.recent, `* ${count} RECENT`, "EXAMINE shows them without claiming");
      assert.deepEqual(examined.flags, flags);
      const selected = await openAndFlags(first, "SELECT Saved");
      assert.equal(selected.recent, `* ${count} RECENT`);
      assert.deepEqual(selected.flags, flags);
      const later = await openAndFlags(second, "SELECT Saved");
      assert.equal(later.recent, "* 0 RECENT", "\\Recent in one session only");
    } finally {
      for (const client of [adder, first, second]) client.close();
      await server.stop();
    }
  });
}

Deno.test("imap: a message APPENDed to the selected folder is announced \\Recent to the session that has it selected", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw-bob" },
    flags: ["--insecure-auth"],
  });
  const holder = await loginAsBob(server.ports.imap!);
  const other = await loginAsBob(server.ports.imap!);
  try {
    assert.match((await command(holder, "c", "CREATE Saved")).at(-1)!, /^c OK/);
    assert.ok((await command(holder, "s", "SELECT Saved")).includes("* 0 RECENT"));
    const appended = await command(other, "a", `APPEND Saved {${BYTES}+}\r\n${MESSAGE}`);
    assert.match(appended.at(-1)!, /^a OK/);
    const noop = await command(holder, "n", "NOOP");
    assert.deepEqual(noop, ["* 1 EXISTS", "* 1 RECENT", "n OK NOOP completed"]);
    assert.equal((await command(holder, "r", "SEARCH RECENT"))[0], "* SEARCH 1");
    const later = await openAndFlags(other, "SELECT Saved");
    assert.equal(later.recent, "* 0 RECENT");
  } finally {
    holder.close();
    other.close();
    await server.stop();
  }
});
