/**
 * FETCH of awkward sections over raw sockets (RFC 3501 6.4.5, 7.4.2, 9):
 * each message goes in with APPEND and its sections come back with FETCH,
 * compared line by line with what the RFC says the server must send.
 */
import assert from "node:assert/strict";
import { command, mailboxWith } from "./imap_helpers.ts";

Deno.test("the parts of a message that is itself message/rfc822 are numbered 1.1, 1.2", async () => {
  // RFC 3501 6.4.5: a message/rfc822 part's own parts are numbered under it, and for a
  // non-multipart message part 1 is its body: here 1 is the embedded message, 1.1 and 1.2
  // the parts of its multipart.
  const message = [
    "From: a@remote.test",
    "Subject: forwarded as the whole body",
    "MIME-Version: 1.0",
    "Content-Type: message/rfc822",
    "",
    "Subject: inner",
    "Content-Type: multipart/mixed; boundary=in",
    "",
    "--in",
    "Content-Type: text/plain",
    "",
    "plain",
    "--in",
    "Content-Type: text/html",
    "",
    "<b>html</b>",
    "--in--",
    "",
  ].join("\r\n");
  const { server, client } = await mailboxWith([message], "EXAMINE");
  try {
    const reply = await command(
      client,
      "f",
      "FETCH 1 (BODY.PEEK[1.1] BODY.PEEK[1.2] BODY.PEEK[1.2.MIME] BODY.PEEK[1.HEADER])",
    );
    assert.deepEqual(reply, [
      "* 1 FETCH (BODY[1.1] {5}",
      "plain BODY[1.2] {11}",
      "<b>html</b> BODY[1.2.MIME] {27}",
      "Content-Type: text/html",
      "",
      " BODY[1.HEADER] {62}",
      "Subject: inner",
      "Content-Type: multipart/mixed; boundary=in",
      "",
      ")",
      "f OK FETCH completed",
    ]);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("an empty body part is an empty literal, never one of negative size", async () => {
  // RFC 2046 5.1.1: the CRLF before a delimiter belongs to the delimiter, so part 1 (a blank
  // line) and part 2 (nothing between two delimiter lines) are empty. RFC 3501 9: a literal
  // is "{" number "}", and a client reading "{-2}" has lost the connection's framing.
  const message = [
    "From: a@remote.test",
    "Subject: empty parts",
    "Content-Type: multipart/mixed; boundary=b",
    "",
    "--b",
    "",
    "--b",
    "--b",
    "Content-Type: text/plain",
    "",
    "three",
    "--b--",
    "",
  ].join("\r\n");
  const { server, client } = await mailboxWith([message], "EXAMINE");
  try {
    const reply = await command(client, "f", "FETCH 1 (BODY.PEEK[1] BODY.PEEK[2] BODY.PEEK[3])");
    assert.deepEqual(reply, [
      "* 1 FETCH (BODY[1] {0}",
      " BODY[2] {0}",
      " BODY[3] {5}",
      "three)",
      "f OK FETCH completed",
    ]);
    const structure = await command(client, "s", "FETCH 1 BODY");
    assert.equal(
      structure[0],
      '* 1 FETCH (BODY (("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 0 0)' +
        '("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 0 0)' +
        '("TEXT" "PLAIN" NIL NIL NIL "7BIT" 5 1) "MIXED"))',
    );
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("FETCH and UID FETCH with an empty item list answer BAD, not an empty FETCH response", async () => {
  // RFC 3501 9: fetch = ... "(" fetch-att *(SP fetch-att) ")", and msg-att, the response's
  // list, has at least one item too: "* 1 FETCH ()" is no valid response.
  const { server, client } = await mailboxWith(["Subject: one\r\n\r\nbody\r\n"], "EXAMINE");
  try {
    assert.deepEqual(await command(client, "f", "FETCH 1 ()"), [
      "f BAD Empty FETCH item list",
    ]);
    assert.deepEqual(await command(client, "u", "UID FETCH 1 ()"), [
      "u BAD Empty FETCH item list",
    ]);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("a section part number past 32 bits answers BAD, not a reply naming BODY[1e+23]", async () => {
  // RFC 3501 9: section-part = nz-number *("." nz-number), a number is an unsigned 32-bit
  // integer (as in a partial's offset); the largest one is still a part that is not there.
  const { server, client } = await mailboxWith(["Subject: one\r\n\r\nbody\r\n"], "EXAMINE");
  try {
    assert.deepEqual(await command(client, "f", "FETCH 1 (BODY.PEEK[99999999999999999999999])"), [
      'f BAD Invalid section "99999999999999999999999"',
    ]);
    assert.deepEqual(await command(client, "g", "FETCH 1 (BODY.PEEK[1.4294967296])"), [
      'g BAD Invalid section "1.4294967296"',
    ]);
    assert.deepEqual(await command(client, "h", "FETCH 1 (BODY.PEEK[4294967295])"), [
      "* 1 FETCH (BODY[4294967295] {0}",
      ")",
      "h OK FETCH completed",
    ]);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("header field names that are no atoms are quoted when the reply names the section", async () => {
  // RFC 3501 9: header-list = "(" header-fld-name *(SP header-fld-name) ")" and a
  // header-fld-name is an astring: the reply must not turn "X A" into two names or "" into none.
  const { server, client } = await mailboxWith(
    ["Subject: one\r\nX-A: 1\r\n\r\nbody\r\n"],
    "EXAMINE",
  );
  try {
    const reply = await command(
      client,
      "f",
      'FETCH 1 (BODY.PEEK[HEADER.FIELDS ("X A" "" x-a)])',
    );
    assert.deepEqual(reply, [
      '* 1 FETCH (BODY[HEADER.FIELDS ("X A" "" X-A)] {10}',
      "X-A: 1",
      "",
      ")",
      "f OK FETCH completed",
    ]);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("BODYSTRUCTURE names a transfer encoding without the comment beside it", async () => {
  // RFC 2045 3: comments are allowed in MIME's structured fields, Content-Transfer-Encoding
  // (6.1, a mechanism token) among them; "BASE64 (C)" would leave a client unable to decode.
  const message = "Subject: c\r\nContent-Type: text/plain\r\n" +
    "Content-Transfer-Encoding: (encoded) Base64 (for the gateway)\r\n\r\naGk=\r\n";
  const { server, client } = await mailboxWith([message], "EXAMINE");
  try {
    const reply = await command(client, "f", "FETCH 1 BODY");
    assert.equal(reply[0], '* 1 FETCH (BODY ("TEXT" "PLAIN" NIL NIL NIL "BASE64" 6 1))');
  } finally {
    client.close();
    await server.stop();
  }
});
