import assert from "node:assert/strict";
import { buildDsn, diagnosticCodeField, type DsnInput } from "../../src/mail/dsn.ts";
import { originalRecipientField, parseOrcpt } from "../../src/smtp/mod.ts";

const latin1 = new TextDecoder("latin1");
const encoder = new TextEncoder();
const ARRIVAL = Date.UTC(2026, 0, 2, 3, 4, 5);

function input(overrides: Partial<DsnInput> = {}): DsnInput {
  return {
    reportingMta: "mx.test",
    to: "alice@example.test",
    originalQid: "q1",
    arrivalMs: ARRIVAL,
    recipients: [{
      address: "ghost@example.test",
      action: "failed",
      status: "5.1.1",
      diagnostic: "550 5.1.1 No such mailbox: <ghost@example.test>",
      lastAttemptMs: ARRIVAL + 1000,
    }],
    originalHeaders: encoder.encode("Subject: hello\r\nFrom: alice@example.test\r\n"),
    nowMs: ARRIVAL + 2000,
    messageId: "dsn.q1@mx.test",
    boundary: "BOUNDARY",
    ...overrides,
  };
}

function assertSevenBitCrlf(bytes: Uint8Array): void {
  assert.ok(bytes.every((byte) => byte < 128), "7-bit");
  const text = latin1.decode(bytes);
  assert.doesNotMatch(text, /[^\r]\n|\r[^\n]/, "CRLF only");
  for (const line of text.split("\r\n")) assert.ok(line.length <= 998, "line length");
}

/** The part between the n-th boundary line and the next. */
function part(text: string, index: number): string {
  return text.split("\r\n--BOUNDARY")[index + 1] ?? "";
}

Deno.test("buildDsn() makes a multipart/report with the three parts in order", () => {
  const text = latin1.decode(buildDsn(input()));
  assert.match(text, /^From: Mail Delivery System <MAILER-DAEMON@mx\.test>\r\nTo: <alice@/);
  assert.match(text, /\r\nSubject: Undelivered Mail Returned to Sender\r\n/);
  assert.match(text, /\r\nAuto-Submitted: auto-replied\r\n/);
  assert.match(
    text,
    /Content-Type: multipart\/report; report-type=delivery-status;\r\n\tboundary="BOUNDARY"/,
  );
  assert.match(part(text, 0), /Content-Type: text\/plain/);
  assert.match(part(text, 1), /Content-Type: message\/delivery-status/);
  assert.match(part(text, 2), /Content-Type: text\/rfc822-headers/);
  assert.ok(text.endsWith("\r\n--BOUNDARY--\r\n"));
});

Deno.test("buildDsn() writes the per-message and per-recipient fields", () => {
  const status = part(latin1.decode(buildDsn(input())), 1);
  assert.match(
    status,
    /\r\n\r\nReporting-MTA: dns; mx\.test\r\nX-Pillarbox-Queue-ID: q1\r\nArrival-Date: Fri, 02 Jan 2026 03:04:05 \+0000\r\n\r\n/,
  );
  assert.match(status, /Final-Recipient: rfc822; ghost@example\.test\r\nAction: failed\r\n/);
  assert.match(status, /Status: 5\.1\.1\r\n/);
  assert.match(status, /Diagnostic-Code: smtp; 550 5\.1\.1 No such mailbox/);
  assert.match(status, /Last-Attempt-Date: Fri, 02 Jan 2026 03:04:06 \+0000/);
  assert.doesNotMatch(status, /Remote-MTA/);
});

const REMOTE_MTA_CASES: { remoteMta: string; field: string }[] = [
  { remoteMta: "mx1.remote.test", field: "dns; mx1.remote.test" },
  { remoteMta: "mx1.remote.test [192.0.2.7]", field: "dns; mx1.remote.test" },
  { remoteMta: "192.0.2.7", field: "dns; [192.0.2.7]" },
  { remoteMta: "2001:db8::7", field: "dns; [2001:db8::7]" },
];

for (const { remoteMta, field } of REMOTE_MTA_CASES) {
  Deno.test(`buildDsn() says Remote-MTA: ${field} for a host that answered as "${remoteMta}"`, () => {
    const dsn = buildDsn(input({
      recipients: [{
        address: "x@remote.test",
        action: "failed",
        status: "5.7.1",
        remoteMta,
        diagnostic: "554 5.7.1 rejected",
      }],
    }));
    assert.ok(latin1.decode(dsn).includes(`\r\nRemote-MTA: ${field}\r\n`));
  });
}

Deno.test("buildDsn() covers several recipients, one block each", () => {
  const dsn = latin1.decode(buildDsn(input({
    recipients: [
      { address: "a@x.test", action: "failed", status: "5.1.1" },
      { address: "b@x.test", action: "failed", status: "4.4.7", diagnostic: "timeout" },
    ],
  })));
  assert.equal(dsn.match(/Final-Recipient:/g)?.length, 2);
  assert.match(dsn, /Status: 4\.4\.7\r\nDiagnostic-Code: X-Pillarbox; timeout/);
  assert.match(dsn, /<b@x\.test>: the message expired in the queue \(4\.4\.7\)/);
});

Deno.test("buildDsn() writes a delay notice with Will-Retry-Until", () => {
  const dsn = latin1.decode(buildDsn(input({
    recipients: [{
      address: "b@remote.test",
      action: "delayed",
      status: "4.4.1",
      willRetryUntilMs: ARRIVAL + 5 * 86_400_000,
    }],
  })));
  assert.match(dsn, /Subject: Delayed Mail \(still being retried\)/);
  assert.match(dsn, /Action: delayed\r\nStatus: 4\.4\.1\r\n/);
  assert.match(dsn, /Will-Retry-Until: Wed, 07 Jan 2026 03:04:05 \+0000/);
});

const SEVEN_BIT_CASES: [string, Uint8Array][] = [
  ["plain ASCII headers", encoder.encode("Subject: hi\r\n")],
  ["8-bit headers", new Uint8Array([...encoder.encode("Subject: caf"), 0xe9, 13, 10])],
  ["UTF-8 headers", encoder.encode("Subject: Grüße\r\nTo: bob@example.test\r\n")],
  ["a 2000-octet header line", encoder.encode(`X-Long: ${"a".repeat(2000)}\r\n`)],
  ["bare LF and bare CR", encoder.encode("Subject: a\nX-B: c\rd\n")],
];

for (const [what, headers] of SEVEN_BIT_CASES) {
  Deno.test(`buildDsn() stays 7-bit with CRLF lines for ${what}`, () => {
    assertSevenBitCrlf(buildDsn(input({ originalHeaders: headers })));
  });
}

Deno.test("buildDsn() sends 8-bit original headers quoted-printable, decodable", () => {
  const headers = new Uint8Array([...encoder.encode("Subject: caf"), 0xe9, 13, 10]);
  const text = latin1.decode(buildDsn(input({ originalHeaders: headers })));
  const third = part(text, 2);
  assert.match(third, /Content-Transfer-Encoding: quoted-printable\r\n\r\nSubject: caf=E9\r\n/);
});

Deno.test("buildDsn() returns UTF-8 original headers as message/global-headers, not as US-ASCII text", () => {
  // A text/* part without charset is US-ASCII (RFC 2046 4.1.2): UTF-8 headers in
  // text/rfc822-headers read back as mojibake. RFC 6533 6.3 has message/global-headers for them.
  const headers = encoder.encode("Subject: Grüße\r\nFrom: Jörg <jorg@example.test>\r\n");
  const dsn = buildDsn(input({ originalHeaders: headers }));
  assertSevenBitCrlf(dsn);
  const third = part(latin1.decode(dsn), 2);
  assert.match(third, /^\r\nContent-Type: message\/global-headers\r\n/);
  assert.match(
    third,
    /Content-Transfer-Encoding: quoted-printable\r\n\r\nSubject: Gr=C3=BC=C3=9Fe\r\n/,
  );
});

Deno.test("buildDsn() keeps text/rfc822-headers for ASCII and for 8-bit headers that are not UTF-8", () => {
  for (const headers of [encoder.encode("Subject: hi\r\n"), latin1Bytes("Subject: caf\xe9\r\n")]) {
    const third = part(latin1.decode(buildDsn(input({ originalHeaders: headers }))), 2);
    assert.match(third, /^\r\nContent-Type: text\/rfc822-headers\r\n/);
  }
});

function latin1Bytes(text: string): Uint8Array {
  return Uint8Array.from(text, (ch) => ch.charCodeAt(0));
}

Deno.test("buildDsn() quotes each C1 byte (0x80..0x9F) of the original headers as one =XX", () => {
  const headers = new Uint8Array([...encoder.encode("Subject: x"), 0x80, 0x9f, 13, 10]);
  const third = part(latin1.decode(buildDsn(input({ originalHeaders: headers }))), 2);
  assert.match(third, /\r\n\r\nSubject: x=80=9F\r\n/);
});

Deno.test("buildDsn() names a Unicode recipient as written, in UTF-8 quoted-printable, still 7-bit", () => {
  const dsn = buildDsn(input({
    recipients: [{ address: "jörg@bücher.test", action: "failed", status: "5.1.1" }],
  }));
  assertSevenBitCrlf(dsn);
  const first = part(latin1.decode(dsn), 0);
  assert.match(
    first,
    /Content-Type: text\/plain; charset=utf-8\r\n.*\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n/,
  );
  const body = first.slice(first.indexOf("\r\n\r\n") + 4).replace(/=\r\n/g, "");
  const bytes = body.replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
  const decoded = new TextDecoder().decode(Uint8Array.from(bytes, (ch) => ch.charCodeAt(0)));
  assert.match(decoded, /\r\n<jörg@bücher\.test>: status 5\.1\.1\r\n/);
  assert.match(
    part(latin1.decode(dsn), 1),
    /Final-Recipient: utf-8; j\\x\{F6\}rg@b\\x\{FC\}cher\.test/,
  );
});

Deno.test("buildDsn() keeps an ASCII notification plain US-ASCII, and replaces controls in a Unicode address", () => {
  assert.match(
    part(latin1.decode(buildDsn(input())), 0),
    /charset=us-ascii\r\nContent-Description: Notification\r\n\r\n/,
  );
  const dsn = buildDsn(input({
    recipients: [{ address: "j\u0085ö\u2028r@x.test", action: "failed", status: "5.1.1" }],
  }));
  const first = part(latin1.decode(dsn), 0);
  assert.match(first, /<j\?=C3=B6\?r@x\.test>/);
});

Deno.test("buildDsn() reduces hostile diagnostics to one printable line", () => {
  const text = latin1.decode(buildDsn(input({
    recipients: [{
      address: "a@x.test",
      action: "failed",
      status: "5.0.0",
      diagnostic: "550 bad\r\nInjected: yes\u00ff",
    }],
  })));
  assert.match(text, /Diagnostic-Code: smtp; 550 bad Injected: yes\?\r\n/);
  assert.doesNotMatch(text, /\r\nInjected/);
});

const DIAGNOSTICS: [string, string, string][] = [
  ["an SMTP reply is typed smtp", "421 4.4.2 closing", "smtp; 421 4.4.2 closing"],
  ["a multi-line reply joined by hyphen is typed smtp", "550-5.1.1 no", "smtp; 550-5.1.1 no"],
  ["our own text is typed X-Pillarbox", "DNS timeout", "X-Pillarbox; DNS timeout"],
  ["a number without a space is not an SMTP reply", "5501 x", "X-Pillarbox; 5501 x"],
  ["a tab becomes a space", "550\tbad", "smtp; 550 bad"],
  ["runs of spaces become one", "550  5.1.1   no", "smtp; 550 5.1.1 no"],
  ["blanks around the text go, so a reply is still typed smtp", "  550 x  ", "smtp; 550 x"],
];
for (const [name, given, expected] of DIAGNOSTICS) {
  Deno.test(`diagnosticCodeField(): ${name}`, () => {
    assert.equal(diagnosticCodeField(given), expected);
  });
}

Deno.test("buildDsn() escapes '+', '=' and '\\' in a utf-8 address field (RFC 6533 3: QCHAR leaves them out)", () => {
  const dsn = buildDsn(input({
    recipients: [{ address: "jö+a=b\\c@x.test", action: "failed", status: "5.1.1" }],
  }));
  assert.match(
    part(latin1.decode(dsn), 1),
    /Final-Recipient: utf-8; j\\x\{F6\}\\x\{2B\}a\\x\{3D\}b\\x\{5C\}c@x\.test\r\n/,
  );
});

Deno.test("buildDsn() escapes a space in a utf-8 address field (RFC 6533 3: QCHAR has no SP)", () => {
  const dsn = buildDsn(input({
    recipients: [{ address: '"jö b"@x.test', action: "failed", status: "5.1.1" }],
  }));
  assert.match(
    part(latin1.decode(dsn), 1),
    /Final-Recipient: utf-8; "j\\x\{F6\}\\x\{20\}b"@x\.test\r\n/,
  );
});

Deno.test("buildDsn() writes 5.0.0 for a status with text after it (RFC 3464 2.3.4)", () => {
  const dsn = buildDsn(input({
    recipients: [{ address: "a@x.test", action: "failed", status: "5.1.1 extra" }],
  }));
  assert.match(part(latin1.decode(dsn), 1), /\r\nStatus: 5\.0\.0\r\n/);
});

for (const other of ["delayed", "delivered"] as const) {
  Deno.test(`buildDsn() calls a report of failed and ${other} recipients undelivered`, () => {
    const dsn = latin1.decode(buildDsn(input({
      recipients: [
        { address: "a@x.test", action: "failed", status: "5.1.1" },
        { address: "b@x.test", action: other, status: other === "delayed" ? "4.4.1" : "2.0.0" },
      ],
    })));
    assert.match(dsn, /\r\nSubject: Undelivered Mail Returned to Sender\r\n/);
  });
}

Deno.test("buildDsn() writes a success notice: its subject, each recipient in words, the headers as 'Message headers'", () => {
  const text = latin1.decode(buildDsn(input({
    recipients: [
      { address: "bob@example.test", action: "delivered", status: "2.0.0" },
      { address: "carol@remote.test", action: "relayed", status: "2.0.0" },
      { address: "team@example.test", action: "expanded", status: "2.0.0" },
    ],
  })));
  assert.match(text, /\r\nSubject: Successful Mail Delivery Report\r\n/);
  const readable = part(text, 0);
  assert.match(readable, /\r\nYour message was delivered as you asked to be told/);
  assert.match(readable, /\r\n<bob@example\.test>: delivered to the mailbox\r\n/);
  assert.match(readable, /\r\n<carol@remote\.test>: handed on to a server that does not report/);
  assert.match(readable, /\r\n<team@example\.test>: an alias, handed on to its members/);
  assert.doesNotMatch(readable, /status 2\.0\.0|could not be delivered/);
  assert.match(
    part(text, 2),
    /^\r\nContent-Type: text\/rfc822-headers\r\nContent-Description: Message headers\r\n/,
  );
});

Deno.test("buildDsn() says why only the headers come back when the whole message was asked for", () => {
  const note = "Only the headers are returned: the message is over 128 KB.";
  const text = latin1.decode(buildDsn(input({ returnNote: note })));
  assert.ok(part(text, 0).includes(`headers are attached.\r\n${note}\r\n`), part(text, 0));
  assert.match(part(text, 2), /Content-Description: Undelivered message headers\r\n/);
});

Deno.test("buildDsn() keeps an envelope id of 100 characters whole (RFC 3461 4.4)", () => {
  const envelopeId = "e".repeat(99) + "!";
  const text = latin1.decode(buildDsn(input({ envelopeId })));
  assert.ok(text.includes(`\r\nOriginal-Envelope-Id: ${envelopeId}\r\n`));
});

const HEADERS_ENCODING_CASES: [string, Uint8Array, string][] = [
  ["a NUL", encoder.encode("Subject: a\0b\r\n"), "quoted-printable"],
  ["a line of 998 octets", encoder.encode(`X-L: ${"a".repeat(993)}\r\n`), "7bit"],
  [
    "a line of 999 octets (RFC 5322 2.1.1)",
    encoder.encode(`X-L: ${"a".repeat(994)}\r\n`),
    "quoted-printable",
  ],
];
for (const [what, headers, encoding] of HEADERS_ENCODING_CASES) {
  Deno.test(`buildDsn() sends original headers with ${what} as ${encoding}`, () => {
    const headersPart = part(latin1.decode(buildDsn(input({ originalHeaders: headers }))), 2);
    assert.match(headersPart, new RegExp(`\\r\\nContent-Transfer-Encoding: ${encoding}\\r\\n`));
  });
}

Deno.test("buildDsn() ends the original headers with one line end, however many they had", () => {
  const dsn = buildDsn(input({ originalHeaders: encoder.encode("Subject: hello\r\n\r\n\r\n") }));
  assert.ok(part(latin1.decode(dsn), 2).endsWith("\r\n\r\nSubject: hello\r\n"));
});

Deno.test("buildDsn() puts Original-Envelope-Id first and Original-Recipient before Final-Recipient (RFC 3464 2.2, 2.3)", () => {
  const text = latin1.decode(buildDsn(input({
    envelopeId: "batch 7",
    recipients: [{
      address: "bob@example.test",
      originalRecipient: "rfc822; Bob@example.test",
      action: "delivered",
      status: "2.0.0",
    }],
  })));
  assert.match(
    text,
    /Content-Type: message\/delivery-status\r\n[^\r]*\r\n\r\nOriginal-Envelope-Id: batch 7\r\nReporting-MTA: dns; mx\.test\r\n/,
  );
  assert.match(
    text,
    /\r\n\r\nOriginal-Recipient: rfc822; Bob@example\.test\r\nFinal-Recipient: rfc822; bob@example\.test\r\nAction: delivered\r\nStatus: 2\.0\.0\r\n/,
  );
  assert.match(text, /^Subject: Successful Mail Delivery Report\r$/m);
});

Deno.test("buildDsn() keeps a header-injecting Original-Recipient or ENVID on its line", () => {
  const bytes = buildDsn(input({
    envelopeId: "a\r\nBcc: x@y",
    recipients: [{
      address: "bob@example.test",
      originalRecipient: "rfc822; a\r\nX-Evil: 1",
      action: "failed",
      status: "5.1.1",
    }],
  }));
  assertSevenBitCrlf(bytes);
  const text = latin1.decode(bytes);
  assert.doesNotMatch(text, /^Bcc:|^X-Evil:/m);
});

Deno.test("buildDsn() returns a whole message as message/rfc822 when given one", () => {
  const message = "Subject: hello\r\nFrom: alice@example.test\r\n\r\nthe body\r\n";
  const bytes = buildDsn(input({ returnedMessage: encoder.encode(message) }));
  assertSevenBitCrlf(bytes);
  const text = latin1.decode(bytes);
  assert.ok(
    text.includes(
      "Content-Type: message/rfc822\r\nContent-Description: Undelivered message\r\n" +
        "Content-Transfer-Encoding: 7bit\r\n\r\n" + message + "\r\n--BOUNDARY--\r\n",
    ),
    text,
  );
  assert.match(text, /the message is attached/);
});

Deno.test("buildDsn() keeps the Original-Recipient line to 998 octets for a 500-character UTF-8 ORCPT", () => {
  // Taken in an SMTPUTF8 transaction (RFC 3461 4.2: 500 characters); each "ö" is \\x{F6} in the report.
  const orcpt = "utf-8;" + "ö".repeat(487) + "@x.test";
  assert.equal(parseOrcpt(orcpt, { isSmtputf8: true }), orcpt);
  const bytes = buildDsn(input({
    recipients: [{
      address: "bob@example.test",
      originalRecipient: originalRecipientField(orcpt),
      action: "failed",
      status: "5.1.1",
    }],
  }));
  assertSevenBitCrlf(bytes);
  const line = latin1.decode(bytes).split("\r\n").find((l) => l.startsWith("Original-Recipient:"));
  assert.match(line ?? "", /^Original-Recipient: utf-8; (\\x\{F6\})+$/, "cut between escapes");
});
