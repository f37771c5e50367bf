/** SEARCH and FETCH on header fields of a message whose header is larger than one header read. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { mailboxDir } from "../../src/mailbox/mod.ts";
import { assertSearches, command, mailboxWith } from "./imap_helpers.ts";

/** 300 KB of fields before the Subject: more than the 256 KB a header read takes. */
const BIG_HEADER = "From: alice@remote.test\r\n" +
  Array.from({ length: 4000 }, (_, i) => `X-Pad-${i}: ${"p".repeat(60)}\r\n`).join("") +
  "Subject: needle in the haystack\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nbody\r\n";
const SMALL = "From: alice@remote.test\r\nSubject: hay\r\n\r\nbody\r\n";

const CASES: [string, string, string][] = [
  ["SUBJECT finds a field past the first 256 KB of the header", "SUBJECT needle", "1"],
  ["HEADER with an empty value finds a late field", 'HEADER Subject ""', "1 2"],
  ["SENTON reads a Date field past the first 256 KB", "SENTON 1-Jan-2024", "1"],
  ["NOT SUBJECT agrees with SUBJECT", "NOT SUBJECT needle", "2"],
  ["SUBJECT with a BODY key agrees with SUBJECT alone", 'SUBJECT needle BODY ""', "1"],
];

Deno.test("SEARCH on header fields reads past the first 256 KB of a big header", async () => {
  const { server, client } = await mailboxWith([BIG_HEADER, SMALL]);
  try {
    await assertSearches(client, CASES);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("FETCH of header fields and ENVELOPE reads past the first 256 KB of a big header", async () => {
  const { server, client } = await mailboxWith([BIG_HEADER, SMALL]);
  try {
    const fields = await command(client, "f", "FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
    assert.equal(fields.at(-1), "f OK FETCH completed");
    assert.ok(fields.includes("Subject: needle in the haystack"), fields.join("\n"));
    const envelope = await command(client, "e", "FETCH 1 (ENVELOPE)");
    assert.equal(envelope.at(-1), "e OK FETCH completed");
    assert.match(
      envelope[0]!,
      /ENVELOPE \("Mon, 1 Jan 2024 10:00:00 \+0000" "needle in the haystack" /,
    );
    // The whole header, counted to the byte.
    const header = await command(client, "h", "FETCH 1 (BODY.PEEK[HEADER])");
    const size = BIG_HEADER.indexOf("\r\n\r\n") + 4;
    assert.match(header[0]!, new RegExp(`BODY\\[HEADER\\] \\{${size}\\}$`));
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("FETCH of ENVELOPE and header fields reads a big header, not the body after it", async () => {
  // A file another program put in the Maildir: the big header, then a body of 9 TiB (sparse,
  // no disk used). Read whole, as a header past one header read was, it cannot be held at all;
  // 16 such messages of 25 MB held 400 MB for one FETCH, whose read-ahead counted 256 KB each.
  const { server, client } = await mailboxWith([SMALL]);
  try {
    const newDir = join(mailboxDir(server.spoolDir, "bob@example.test"), "new");
    const path = join(newDir, "1700000000.M1P1.other");
    Deno.writeFileSync(path, new TextEncoder().encode(BIG_HEADER));
    Deno.truncateSync(path, 9 * 2 ** 40);
    const noop = await command(client, "n", "NOOP");
    assert.ok(noop.includes("* 2 EXISTS"), noop.join("\n"));
    const envelope = await command(client, "e", "FETCH 2 (ENVELOPE)");
    assert.equal(envelope.at(-1), "e OK FETCH completed", envelope.join("\n"));
    assert.match(
      envelope[0]!,
      /ENVELOPE \("Mon, 1 Jan 2024 10:00:00 \+0000" "needle in the haystack" /,
    );
    const fields = await command(client, "f", "FETCH 1:2 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
    assert.equal(fields.at(-1), "f OK FETCH completed", fields.join("\n"));
    assert.ok(fields.includes("Subject: needle in the haystack"), fields.join("\n"));
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("SEARCH on header fields reads a big header, not the body after it", async () => {
  // As above: a big header, then a body too large to hold (9 TiB, sparse). Every SEARCH on a
  // header key over the mailbox failed (NO [SERVERBUG]) for it; a 25 MB one was read whole.
  const { server, client } = await mailboxWith([SMALL]);
  try {
    const path = join(mailboxDir(server.spoolDir, "bob@example.test"), "new", "1700000000.M1P1.x");
    Deno.writeFileSync(path, new TextEncoder().encode(BIG_HEADER));
    Deno.truncateSync(path, 9 * 2 ** 40);
    const noop = await command(client, "n", "NOOP");
    assert.ok(noop.includes("* 2 EXISTS"), noop.join("\n"));
    for (const [criteria, expected] of [["SUBJECT needle", "2"], ["FROM alice", "1 2"]]) {
      const reply = await command(client, "t", `SEARCH ${criteria}`);
      assert.equal(reply.at(-1), "t OK SEARCH completed", `${criteria}: ${reply.join("\n")}`);
      assert.equal(reply[0], `* SEARCH ${expected}`, criteria);
    }
  } finally {
    client.close();
    await server.stop();
  }
});
