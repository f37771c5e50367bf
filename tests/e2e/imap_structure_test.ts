/**
 * BODYSTRUCTURE, ENVELOPE and header-based SEARCH of awkward messages, over
 * raw sockets: each message goes in with APPEND and comes back with FETCH.
 */
import assert from "node:assert/strict";
import { command, deliver, loginAsBob, mailboxWith } from "./imap_helpers.ts";
import { startServer } from "./harness.ts";
import type { RawClient } from "./raw_client.ts";

Deno.test("a boundary and a file name with parentheses in quotes are not cut as comments", async () => {
  // RFC 2046 5.1.1 allows "(" and ")" in a boundary; inside a quoted string they are not a comment.
  const message = [
    "From: a@remote.test",
    "Subject: parentheses",
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="=_(abc)_="',
    "",
    "--=_(abc)_=",
    "Content-Type: text/plain",
    "",
    "part one",
    "--=_(abc)_=",
    'Content-Type: application/pdf; name="report (final).pdf"',
    "",
    "PDF",
    "--=_(abc)_=--",
    "",
  ].join("\r\n");
  const { server, client } = await mailboxWith([message]);
  try {
    const structure = await command(client, "f", "FETCH 1 BODYSTRUCTURE");
    assert.equal(
      structure[0],
      '* 1 FETCH (BODYSTRUCTURE (("TEXT" "PLAIN" NIL NIL NIL "7BIT" 8 1 NIL NIL NIL NIL)' +
        '("APPLICATION" "PDF" ("NAME" "report (final).pdf") NIL NIL "7BIT" 3 NIL NIL NIL NIL)' +
        ' "MIXED" ("BOUNDARY" "=_(abc)_=") NIL NIL NIL))',
    );
    const part = await command(client, "p", "FETCH 1 BODY.PEEK[2]");
    assert.deepEqual(part.slice(0, 3), ["* 1 FETCH (BODY[2] {3}", "PDF)", "p OK FETCH completed"]);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("a multipart without a boundary, or nested past the depth limit, still has one body part", async () => {
  // RFC 3501 9: body-type-mpart = 1*body SP media-subtype; "( "MIXED" ...)" is not a body.
  const noBoundary = "From: a@remote.test\r\nContent-Type: multipart/mixed\r\n\r\nhello\r\n";
  let deep = "deepest\r\n";
  for (let level = 30; level > 0; level--) {
    deep = `Content-Type: multipart/mixed; boundary="b${level}"\r\n\r\n--b${level}\r\n${deep}` +
      `\r\n--b${level}--\r\n`;
  }
  const { server, client } = await mailboxWith([noBoundary, "Subject: deep\r\n" + deep]);
  try {
    const flat = await command(client, "f", "FETCH 1 (BODYSTRUCTURE BODY)");
    assert.equal(
      flat[0],
      '* 1 FETCH (BODYSTRUCTURE (("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 0 0' +
        ' NIL NIL NIL NIL) "MIXED" NIL NIL NIL NIL) BODY (("TEXT" "PLAIN" ("CHARSET" "us-ascii")' +
        ' NIL NIL "7BIT" 0 0) "MIXED"))',
    );
    const nested = await command(client, "g", "FETCH 2 (BODYSTRUCTURE)");
    assert.match(nested.at(-1)!, /^g OK /);
    assert.doesNotMatch(nested[0]!, /\( "MIXED"/, "every multipart lists at least one part");
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("ENVELOPE never gives an address a NIL host, which means a group marker", async () => {
  // RFC 3501 7.4.2: a NIL host marks group syntax, so "To: undisclosed-recipients" (no
  // domain) must not read as the start of a group that never ends.
  const message = [
    "From: bob",
    "To: undisclosed-recipients, carol@example.test",
    "Cc: Friends: dave@remote.test;",
    "Subject: no domains",
    "",
    "body",
    "",
  ].join("\r\n");
  const { server, client } = await mailboxWith([message]);
  try {
    const envelope = await command(client, "f", "FETCH 1 ENVELOPE");
    assert.equal(
      envelope[0],
      '* 1 FETCH (ENVELOPE (NIL "no domains" ((NIL NIL "bob" "MISSING_DOMAIN"))' +
        ' ((NIL NIL "bob" "MISSING_DOMAIN")) ((NIL NIL "bob" "MISSING_DOMAIN"))' +
        ' ((NIL NIL "undisclosed-recipients" "MISSING_DOMAIN")(NIL NIL "carol" "example.test"))' +
        ' ((NIL NIL "Friends" NIL)(NIL NIL "dave" "remote.test")(NIL NIL NIL NIL)) NIL NIL NIL))',
    );
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("ENVELOPE gives an empty Sender or Reply-To the From addresses", async () => {
  // RFC 3501 7.4.2: "absent ... or are present but empty": the server sets them to From.
  const message = [
    "From: Alice <alice@remote.test>",
    "Sender:",
    "Reply-To: ",
    "To: bob@example.test",
    "Subject: empty fields",
    "",
    "body",
    "",
  ].join("\r\n");
  const { server, client } = await mailboxWith([message]);
  try {
    const envelope = await command(client, "f", "FETCH 1 ENVELOPE");
    const alice = '(("Alice" NIL "alice" "remote.test"))';
    assert.equal(
      envelope[0],
      `* 1 FETCH (ENVELOPE (NIL "empty fields" ${alice} ${alice} ${alice}` +
        ' ((NIL NIL "bob" "example.test")) NIL NIL NIL NIL))',
    );
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("SENTON, SENTBEFORE and SENTSINCE use the Date field's own day, not the UTC day", async () => {
  // RFC 3501 6.4.4: the Date: header "disregarding time and timezone".
  const late = "From: a@remote.test\r\nDate: Mon, 01 Jan 2024 23:30:00 -0500\r\n\r\nlate\r\n";
  const early = "From: a@remote.test\r\nDate: Tue, 2 Jan 2024 00:30:00 +0200\r\n\r\nearly\r\n";
  const { server, client } = await mailboxWith([late, early]);
  try {
    const cases: [string, string][] = [
      ["SENTON 1-Jan-2024", "* SEARCH 1"],
      ["SENTON 2-Jan-2024", "* SEARCH 2"],
      ["SENTBEFORE 2-Jan-2024", "* SEARCH 1"],
      ["SENTSINCE 2-Jan-2024", "* SEARCH 2"],
    ];
    for (const [criteria, expected] of cases) {
      assert.equal((await command(client, "s", `SEARCH ${criteria}`))[0], expected, criteria);
    }
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("a message/rfc822 nested past the depth limit still carries an envelope, a body and lines", async () => {
  // RFC 3501 9: body-type-msg = media-message SP body-fields SP envelope SP body SP body-fld-lines.
  let nested = "Subject: core\r\n\r\nhi\r\n";
  for (let level = 0; level < 30; level++) {
    nested = `Content-Type: message/rfc822\r\n\r\n${nested}`;
  }
  const { server, client } = await mailboxWith(["From: a@remote.test\r\n" + nested]);
  try {
    const reply = await command(client, "f", "FETCH 1 BODYSTRUCTURE");
    assert.match(reply.at(-1)!, /^f OK /);
    // After the size of every message/rfc822 part comes its envelope, a parenthesised list.
    assert.doesNotMatch(reply[0]!, /"MESSAGE" "RFC822" NIL NIL NIL "7BIT" \d+ [^(]/);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("a bare CR inside a header line does not start a field for ENVELOPE or BODYSTRUCTURE", async () => {
  // RFC 5322 2.2: a field ends at CRLF. APPEND stores a lone CR as it came.
  const message = "From: a@remote.test\r\nX-Note: a\rSubject: fake\r\n" +
    "X-Other: b\rContent-Type: text/html\r\n\r\nbody\r\n";
  const { server, client } = await mailboxWith([message]);
  try {
    const envelope = await command(client, "f", "FETCH 1 ENVELOPE");
    assert.match(
      envelope[0]!,
      /^\* 1 FETCH \(ENVELOPE \(NIL NIL \(\(NIL NIL "a" "remote.test"\)\)/,
    );
    const structure = await command(client, "b", "FETCH 1 BODYSTRUCTURE");
    assert.match(structure[0]!, /^\* 1 FETCH \(BODYSTRUCTURE \("TEXT" "PLAIN" /);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("an empty Content-Language is NIL in BODYSTRUCTURE, never an empty list", async () => {
  // RFC 3501 9: body-fld-lang = nstring / "(" string *(SP string) ")": "()" is not allowed.
  const message = (language: string) =>
    `From: a@remote.test\r\nContent-Language: ${language}\r\n\r\nbody\r\n`;
  const { server, client } = await mailboxWith([message(","), message(""), message(" en ,, de")]);
  try {
    const structure = await command(client, "f", "FETCH 1:3 BODYSTRUCTURE");
    const tail = ' "7BIT" 6 1 NIL NIL LANGUAGE NIL))';
    assert.deepEqual(structure.slice(0, 3), [
      '* 1 FETCH (BODYSTRUCTURE ("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL' +
      tail.replace("LANGUAGE", "NIL"),
      '* 2 FETCH (BODYSTRUCTURE ("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL' +
      tail.replace("LANGUAGE", "NIL"),
      '* 3 FETCH (BODYSTRUCTURE ("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL' +
      tail.replace("LANGUAGE", '("en" "de")'),
    ]);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("a received message with a stray ')' in To does not take the server down on FETCH ENVELOPE", async () => {
  // The ENVELOPE tokenizer read a ")" without its "(" as an empty word, forever: the heap
  // filled and the process died, for every user, each time a client looked at the message.
  const server = await startServer({
    users: { "bob@example.test": "pw-bob" },
    flags: ["--insecure-auth"],
  });
  let client: RawClient | undefined;
  try {
    await deliver(server, [
      "From: a@remote.test\r\nTo: x) bob@example.test\r\nSubject: s\r\n\r\nhi\r\n",
    ]);
    client = await loginAsBob(server.ports.imap!);
    assert.match((await command(client, "s", "SELECT INBOX")).at(-1)!, /^s OK /);
    const reply = await command(client, "f", "FETCH 1 ENVELOPE");
    assert.equal(
      reply[0],
      '* 1 FETCH (ENVELOPE (NIL "s" ((NIL NIL "a" "remote.test")) ((NIL NIL "a" "remote.test"))' +
        ' ((NIL NIL "a" "remote.test")) ((NIL NIL "xbob" "example.test")) NIL NIL NIL NIL))',
    );
    assert.match(reply.at(-1)!, /^f OK /);
    assert.match((await command(client, "n", "NOOP")).at(-1)!, /^n OK /);
  } finally {
    client?.close();
    await server.stop();
  }
});
