import assert from "node:assert/strict";
import { normalizeLineEnds, prepareLocalMessage } from "../../src/mail/local_message.ts";
import { encoder, latin1, NOW, ok, prepare } from "./local_message_fixture.ts";

const LINE_ENDS: [string, string, string][] = [
  ["normalizeLineEnds() turns bare LF into CRLF", "a\nb\n", "a\r\nb\r\n"],
  ["normalizeLineEnds() keeps CRLF", "a\r\nb\r\n", "a\r\nb\r\n"],
  ["normalizeLineEnds() turns a bare CR into CRLF", "a\rb", "a\r\nb\r\n"],
  ["normalizeLineEnds() adds a missing final line end", "a", "a\r\n"],
  ["normalizeLineEnds() keeps blank lines", "a\n\n\nb\n", "a\r\n\r\n\r\nb\r\n"],
  ["normalizeLineEnds() keeps an empty message empty", "", ""],
];
for (const [name, input, expected] of LINE_ENDS) {
  Deno.test(name, () => {
    assert.equal(latin1.decode(normalizeLineEnds(encoder.encode(input))), expected);
  });
}

Deno.test("prepareLocalMessage() keeps every byte of UTF-8 text, 0x80..0x9F too (ß is C3 9F, € is E2 82 AC)", () => {
  const header = "From: zoë@bücher.test\r\nTo: jörg@bücher.test\r\nSubject: Grüße, 5 €\r\n";
  const body = "Straße — Ärger ½ €\r\n";
  const result = prepare(`${header}Date: x\r\nMessage-ID: <a@b>\r\n\r\n${body}`);
  assert.ok(!("error" in result), JSON.stringify(result));
  const text = new TextDecoder("utf-8", { fatal: true }).decode(result.message);
  assert.ok(text.startsWith(header), text);
  assert.ok(text.endsWith(`\r\n\r\n${body}`), text);
  assert.deepEqual(result.rcpts, ["jörg@bücher.test"]);
});

Deno.test("prepareLocalMessage() takes recipients from To, Cc and Bcc and removes Bcc", () => {
  const result = ok(prepare(
    "From: Alice <alice@example.test>\nTo: bob@example.test, Carol <carol@remote.test>\n" +
      "Cc: team: dave@remote.test;\nBcc: secret@remote.test,\n  other@remote.test\n" +
      "Subject: hi\n\nbody\n",
  ));
  assert.deepEqual(result.rcpts, [
    "bob@example.test",
    "carol@remote.test",
    "dave@remote.test",
    "secret@remote.test",
    "other@remote.test",
  ]);
  assert.equal(result.from, "alice@example.test");
  assert.doesNotMatch(result.text, /Bcc|secret|other@/i);
  assert.match(result.text, /\r\nSubject: hi\r\n/);
  assert.ok(result.text.endsWith("\r\n\r\nbody\r\n"));
});

Deno.test("prepareLocalMessage() removes Resent-Bcc too (RFC 5322 3.6.6: Bcc's semantics)", () => {
  const result = ok(prepare(
    "From: alice@example.test\nTo: bob@example.test\nResent-From: carol@example.test\n" +
      "Resent-To: dave@example.test\nResent-Bcc: hidden@remote.test,\n  blind@remote.test\n" +
      "Subject: fwd\n\nbody\n",
  ));
  assert.doesNotMatch(result.text, /Resent-Bcc|hidden|blind/i);
  assert.match(result.text, /^From: alice@example\.test\r\nTo: bob@example\.test\r\n/);
  assert.match(
    result.text,
    /\r\nResent-From: carol@example\.test\r\nResent-To: dave@example\.test\r\n/,
  );
  assert.match(result.text, /\r\nSubject: fwd\r\n/);
  assert.ok(result.text.endsWith("\r\n\r\nbody\r\n"));
});

Deno.test("prepareLocalMessage() sends a resent message to its Resent- recipients, from its resender (RFC 5322 3.6.6)", () => {
  const result = ok(prepare(
    "Resent-From: carol@example.test\nResent-To: dave@example.test\n" +
      "Resent-Cc: erin@remote.test\nResent-Bcc: hidden@remote.test\n" +
      "From: alice@example.test\nTo: bob@example.test\nCc: old@remote.test\nSubject: fwd\n\nbody\n",
  ));
  assert.deepEqual(result.rcpts, ["dave@example.test", "erin@remote.test", "hidden@remote.test"]);
  assert.equal(result.from, "carol@example.test");
  assert.doesNotMatch(result.text, /hidden/);
  const bySender = ok(prepare(
    "Resent-Sender: sec@example.test\nResent-From: boss@example.test\n" +
      "Resent-To: dave@example.test\nFrom: alice@example.test\nTo: bob@example.test\n\nx\n",
  ));
  assert.equal(bySender.from, "sec@example.test");
});

Deno.test("prepareLocalMessage() takes only the newest resent block (the first one), not earlier resendings", () => {
  const result = ok(prepare(
    "Resent-Date: Thu, 7 May 2026 07:00:00 +0000\nResent-From: carol@example.test\n" +
      "Resent-To: erin@example.test\n" +
      "Received: by mx.test; Wed, 6 May 2026 08:00:00 +0000\n" +
      "Resent-Date: Wed, 6 May 2026 07:30:00 +0000\nResent-From: bob@example.test\n" +
      "Resent-To: carol@example.test\n" +
      "From: alice@example.test\nTo: bob@example.test\n\nx\n",
  ));
  assert.deepEqual(result.rcpts, ["erin@example.test"]);
  assert.equal(result.from, "carol@example.test");
});

Deno.test("prepareLocalMessage() adds command-line recipients to a resent message's", () => {
  const result = ok(prepare(
    "Resent-From: carol@example.test\nResent-To: dave@example.test\n" +
      "From: alice@example.test\nTo: bob@example.test\n\nx\n",
    { rcpts: ["c@remote.test"] },
  ));
  assert.deepEqual(result.rcpts, ["c@remote.test", "dave@example.test"]);
});

Deno.test("prepareLocalMessage() prefers Sender over From for the envelope", () => {
  const result = ok(prepare("From: a@example.test\nSender: s@example.test\nTo: b@example.test\n"));
  assert.equal(result.from, "s@example.test");
});

Deno.test("prepareLocalMessage() adds Date and Message-ID when missing, not twice", () => {
  const added = ok(prepare("From: a@example.test\nTo: b@example.test\n\nx\n"));
  assert.match(added.text, /\r\nDate: Wed, 06 May 2026 07:08:09 \+0000\r\n/);
  assert.match(added.text, /\r\nMessage-ID: <[^>]+@mx\.test>\r\n\r\nx\r\n$/);
  const kept = ok(prepare(
    "From: a@example.test\nTo: b@example.test\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n" +
      "Message-ID: <mine@x>\n\nx\n",
  ));
  assert.equal(kept.text.match(/^Date:/gm)?.length, 1);
  assert.equal(kept.text.match(/^Message-ID:/gim)?.length, 1);
});

Deno.test("prepareLocalMessage() adds a From header for a null sender too (RFC 5322 3.6: From is required)", () => {
  const byUser = ok(prepare("To: b@example.test\n\nx\n", {
    sender: "",
    fallbackSender: "cron@example.test",
  }));
  assert.equal(byUser.from, "", "the envelope sender stays <>");
  assert.match(byUser.text, /^To: b@example\.test\r\nFrom: <cron@example\.test>\r\n/);
  const byNobody = ok(prepare("To: b@example.test\n\nx\n", { sender: "" }));
  assert.equal(byNobody.from, "");
  assert.match(byNobody.text, /^To: b@example\.test\r\nFrom: <MAILER-DAEMON@mx\.test>\r\n/);
  const kept = ok(prepare("From: a@example.test\nTo: b@example.test\n\nx\n", { sender: "" }));
  assert.equal(kept.text.match(/^From:/gm)?.length, 1);
});

const UNREAD_SENDERS: [string, string][] = [
  ["an empty From address", "From: Daemon <>\n"],
  ["a From domain with a trailing dot", "From: root@host.\n"],
  ["a broken Sender", "Sender: <<x\nFrom: a@example.test\n"],
];
for (const [what, header] of UNREAD_SENDERS) {
  Deno.test(`prepareLocalMessage() with -f does not need the headers' sender: takes ${what}`, () => {
    const result = ok(prepare(`${header}Subject: x\n\nbody\n`, {
      isExtractingRecipients: false,
      rcpts: ["b@example.test"],
      sender: "root@example.test",
    }));
    assert.equal(result.from, "root@example.test");
    assert.ok(
      result.text.startsWith(header.replaceAll("\n", "\r\n")),
      "the header kept as written",
    );
  });
}

Deno.test("prepareLocalMessage() adds recipients given besides the headers", () => {
  const result = ok(prepare("To: b@example.test\n\nx\n", {
    rcpts: ["c@remote.test", "b@example.test"],
    fallbackSender: "me@example.test",
  }));
  assert.deepEqual(result.rcpts, ["c@remote.test", "b@example.test"]);
  assert.equal(result.from, "me@example.test");
  assert.match(result.text, /^To: b@example\.test\r\nFrom: <me@example\.test>\r\n/);
});

Deno.test("prepareLocalMessage() ignores header recipients without -t", () => {
  const result = ok(prepare("To: b@example.test\n\nx\n", {
    isExtractingRecipients: false,
    rcpts: ["root"],
    sender: "",
  }));
  assert.deepEqual(result.rcpts, ["root@example.test"]);
  assert.equal(result.from, "");
  assert.match(result.text, /^To: b@example\.test\r\nFrom: <MAILER-DAEMON@mx\.test>\r\n/);
});

Deno.test("prepareLocalMessage() treats input without a header as body", () => {
  const result = ok(prepare("just text\n", {
    isExtractingRecipients: false,
    rcpts: ["b@example.test"],
    sender: "a@example.test",
  }));
  assert.match(
    result.text,
    /^From: <a@example\.test>\r\nDate: .*\r\nMessage-ID: .*\r\n\r\njust text\r\n$/,
  );
});

// `printf 'Subject: disk\n%s' "$(df -h)" | sendmail root` (no blank line) is queued, not
// refused: sendmail 8, Postfix and Exim start the body at the first line that is not a field.
Deno.test("prepareLocalMessage() starts the body at a header line that is not a field, adding the blank line", () => {
  const result = ok(prepare("Subject: disk\nFilesystem Size Used\n/dev/sda1 10G 5G\n", {
    isExtractingRecipients: false,
    rcpts: ["root"],
    sender: "",
  }));
  assert.deepEqual(result.rcpts, ["root@example.test"]);
  assert.match(
    result.text,
    /^Subject: disk\r\nFrom: .*\r\nDate: .*\r\nMessage-ID: .*\r\n\r\nFilesystem Size Used\r\n\/dev\/sda1 10G 5G\r\n$/,
  );
});

Deno.test("prepareLocalMessage() keeps what follows a non-field line in the body, a later blank line too", () => {
  const result = ok(prepare("From: a@example.test\nTo: b@example.test\ngarbage here\n\nx\n"));
  assert.deepEqual(result.rcpts, ["b@example.test"]);
  assert.match(result.text, /\r\n\r\ngarbage here\r\n\r\nx\r\n$/);
  assert.doesNotMatch(result.text, /garbage here[^]*Date:/);
});

// A cron job's long output line must not lose its mail: lines over 998 octets (RFC 5321
// 4.5.3.1.6) are cut, each further piece led by a space, as Postfix sends them.
Deno.test("prepareLocalMessage() breaks a body line over 998 octets instead of refusing the message", () => {
  const long = "0123456789".repeat(250);
  const result = ok(prepare(`From: a@example.test\nTo: b@example.test\n\n${long}\nend\n`));
  const lines = result.text.split("\r\n");
  assert.ok(lines.every((line) => line.length <= 998), "a line is still too long");
  const body = result.text.slice(result.text.indexOf("\r\n\r\n") + 4);
  assert.equal(body.replaceAll("\r\n ", ""), `${long}\r\nend\r\n`);
});

Deno.test("prepareLocalMessage() folds a header field over 998 octets into continuation lines", () => {
  const subject = "word ".repeat(300).trim();
  const result = ok(
    prepare(`From: a@example.test\nTo: b@example.test\nSubject: ${subject}\n\nx\n`),
  );
  assert.ok(result.text.split("\r\n").every((line) => line.length <= 998));
  const folded = /\r\nSubject: ([^]*?)\r\n(?! )/.exec(result.text)?.[1] ?? "";
  // Folded before a space (RFC 5322 2.2.3): unfolding, taking the CRLFs out, gives it back.
  assert.equal(folded.replaceAll("\r\n", ""), subject);
});

// PHP's mail() writes its $to on one line: 80 recipients make a To field of ~1,900 octets.
Deno.test("prepareLocalMessage() folds a long To field at white space, so -t still reads every address", () => {
  const addresses = Array.from({ length: 80 }, (_, i) => `recipient${i}@example.test`);
  const result = ok(prepare(`From: a@example.test\nTo: ${addresses.join(", ")}\n\nx\n`));
  assert.deepEqual(result.rcpts, addresses);
  assert.ok(result.text.split("\r\n").every((line) => line.length <= 998));
  const to = /\r\nTo: ([^]*?)\r\n(?![ \t])/.exec(result.text)?.[1] ?? "";
  assert.equal(to.replaceAll("\r\n", ""), addresses.join(", "), "folded, nothing added");
});

Deno.test("prepareLocalMessage() never cuts a long line inside a UTF-8 character", () => {
  const long = "x" + "é".repeat(700); // 1401 octets: an even cut at 998 falls inside an é
  const result = prepareLocalMessage(encoder.encode(`To: b@example.test\n\n${long}\n`), {
    isExtractingRecipients: true,
    defaultDomain: "example.test",
    hostname: "mx.test",
    nowMs: NOW,
    maxMessageBytes: 10_000,
    sender: "a@example.test",
  });
  assert.ok(!("error" in result), JSON.stringify(result));
  const text = new TextDecoder("utf-8", { fatal: true }).decode(result.message);
  const pieces = text.slice(text.indexOf("\r\n\r\n") + 4).split("\r\n");
  assert.ok(pieces.every((piece) => encoder.encode(piece).length <= 998));
  assert.equal(pieces.join("").replaceAll(" ", ""), long);
});

// sendmail -F "Name" (Postfix, sendmail 8): the name in the From header the command adds.
const FULL_NAMES: [string, string, string][] = [
  ["an atom phrase", "Job Runner", "From: Job Runner <a@example.test>"],
  [
    "a quoted string for specials",
    'Backup (nightly), "db"',
    'From: "Backup (nightly), \\"db\\"" <a@example.test>',
  ],
  ["an encoded word for UTF-8 (RFC 2047)", "Jörg", "From: =?UTF-8?B?SsO2cmc=?= <a@example.test>"],
];
for (const [what, name, field] of FULL_NAMES) {
  Deno.test(`prepareLocalMessage() writes sendmail -F's full name into the added From: ${what}`, () => {
    const result = ok(prepare("Subject: x\n\nbody\n", {
      isExtractingRecipients: false,
      rcpts: ["b@example.test"],
      sender: "a@example.test",
      senderFullName: name,
    }));
    assert.ok(result.text.includes(`\r\n${field}\r\n`), result.text);
  });
}

Deno.test("prepareLocalMessage() leaves a From the message has alone, whatever -F says", () => {
  const result = ok(prepare("From: Real <r@example.test>\nTo: b@example.test\n\nx\n", {
    senderFullName: "Other",
  }));
  assert.match(result.text, /^From: Real <r@example\.test>\r\n/);
  assert.doesNotMatch(result.text, /Other/);
});

Deno.test("prepareLocalMessage() reports 8-bit content", () => {
  const result = ok(prepare("From: a@example.test\nTo: b@example.test\nSubject: Grüße\n\nx\n"));
  assert.equal(result.is8bit, true);
  assert.equal(result.isSmtputf8, false);
});

Deno.test('prepareLocalMessage() skips a leading mbox "From " envelope line', () => {
  const result = ok(prepare(
    "From alice@example.test Wed May  6 07:08:09 2026\nFrom: alice@example.test\n" +
      "To: bob@remote.test\nSubject: mbox\n\nFrom the start\n",
  ));
  assert.deepEqual(result.rcpts, ["bob@remote.test"]);
  assert.equal(result.from, "alice@example.test");
  assert.ok(result.text.startsWith("From: alice@example.test\r\n"), result.text);
  assert.ok(result.text.endsWith("\r\n\r\nFrom the start\r\n"), "a body line is kept");
});

Deno.test('prepareLocalMessage() keeps a first "From :" field (obsolete space before the colon, RFC 5322 4.5.2 obs-from) as the From header, not an mbox line', () => {
  for (const gap of [" ", "  ", " \t"]) {
    const result = ok(prepare(
      `From${gap}: alice@example.test\nTo: bob@remote.test\nSubject: obs\n\nhi\n`,
      { fallbackSender: "login@example.test" },
    ));
    assert.equal(result.from, "alice@example.test", JSON.stringify(gap));
    assert.ok(result.text.startsWith(`From${gap}: alice@example.test\r\n`), result.text);
    assert.ok(!result.text.includes("login@example.test"), result.text);
  }
});

Deno.test("prepareLocalMessage() drops a Return-Path the message came with (RFC 5321 4.4: the final delivery writes it)", () => {
  const result = ok(prepare(
    "Return-Path: <old@far.test>\nReceived: from a by b; Wed, 6 May 2026 07:08:09 +0000\n" +
      "From: alice@example.test\nTo: bob@remote.test\nreturn-path : <x@y.test>\n\n" +
      "Return-Path: <body@line.test>\n",
  ));
  assert.equal(result.from, "alice@example.test");
  assert.doesNotMatch(result.text, /^return-path *:.*\r\n(?=[\s\S]*\r\n\r\n)/im);
  assert.doesNotMatch(result.text, /old@far\.test|x@y\.test/);
  assert.match(result.text, /^Received: from a by b;/, "other trace fields stay");
  assert.ok(result.text.endsWith("\r\n\r\nReturn-Path: <body@line.test>\r\n"), "the body is kept");
});

Deno.test("prepareLocalMessage() writes the domain into header addresses written without one (cron's From: root), as in the envelope", () => {
  const result = ok(prepare(
    'From: root (Cron Daemon)\nTo: root, Ops <ops>, "Smith, Bob" <bob@remote.test>\n' +
      "Cc: team: carol;\nReply-To: admin\nSubject: Cron <root@host> backup\n" +
      "X-Cron-Env: <SHELL=/bin/sh>\n\nTo: body text\n",
  ));
  assert.equal(result.from, "root@example.test");
  assert.match(result.text, /^From: root@example\.test \(Cron Daemon\)\r\n/);
  assert.match(
    result.text,
    /\r\nTo: root@example\.test, Ops <ops@example\.test>, "Smith, Bob" <bob@remote\.test>\r\n/,
  );
  assert.match(result.text, /\r\nCc: team: carol@example\.test;\r\n/);
  assert.match(result.text, /\r\nReply-To: admin@example\.test\r\n/);
  assert.match(result.text, /\r\nSubject: Cron <root@host> backup\r\n/, "other fields as written");
  assert.match(result.text, /\r\nX-Cron-Env: <SHELL=\/bin\/sh>\r\n/);
  assert.ok(result.text.endsWith("\r\n\r\nTo: body text\r\n"), "the body as written");
});

Deno.test("prepareLocalMessage() leaves header fields with full addresses byte for byte, 8-bit ones too", () => {
  const header = "From: J\xf6rg <j@example.test>\r\nTo: (x) a@b.test ,\r\n  c@d.test\r\n";
  const result = prepareLocalMessage(
    Uint8Array.from(header + "\r\nhi\r\n", (c) => c.charCodeAt(0)),
    {
      isExtractingRecipients: true,
      defaultDomain: "example.test",
      hostname: "mx.test",
      nowMs: NOW,
      maxMessageBytes: 10_000,
    },
  );
  const text = ok(result).text;
  assert.ok(text.startsWith(header), text);
});
