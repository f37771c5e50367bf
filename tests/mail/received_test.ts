import assert from "node:assert/strict";
import {
  formatReceived,
  type ReceivedInfo,
  sanitizeTraceValue,
  withProtocol,
} from "../../src/mail/received.ts";

const date = new Date(Date.UTC(2026, 10, 26, 6, 15, 53));
const dateText = "Thu, 26 Nov 2026 06:15:53 +0000";

const base: ReceivedInfo = {
  helo: "client.example",
  clientIp: "192.0.2.1",
  hostname: "mx.example",
  qid: "Q1",
  protocol: "ESMTP",
  date,
};

const cases: { name: string; info: ReceivedInfo; expected: string[] }[] = [
  {
    name: "writes from, by, with and id and ends with the date",
    info: base,
    expected: [
      "Received: from client.example ([192.0.2.1])",
      `\tby mx.example (Pillarbox) with ESMTP id Q1; ${dateText}`,
    ],
  },
  {
    name: "marks an IPv6 client address with the IPv6 tag",
    info: { ...base, clientIp: "2001:db8::1" },
    expected: [
      "Received: from client.example ([IPv6:2001:db8::1])",
      `\tby mx.example (Pillarbox) with ESMTP id Q1; ${dateText}`,
    ],
  },
  {
    name: "replaces CR LF, spaces and parentheses in a hostile HELO",
    info: { ...base, helo: "evil)\r\nX-Injected: yes (\\" },
    expected: [
      "Received: from evil???X-Injected:?yes??? ([192.0.2.1])",
      `\tby mx.example (Pillarbox) with ESMTP id Q1; ${dateText}`,
    ],
  },
  {
    name: "writes 'unknown' for an empty HELO",
    info: { ...base, helo: "", protocol: "SMTP" },
    expected: [
      "Received: from unknown ([192.0.2.1])",
      `\tby mx.example (Pillarbox) with SMTP id Q1; ${dateText}`,
    ],
  },
  {
    name: "adds the TLS and authentication clauses and says ESMTPSA",
    info: {
      ...base,
      tls: { protocol: "TLSv1.3", cipher: "TLS_AES_128_GCM_SHA256" },
      authUser: "alice@example.org",
    },
    expected: [
      "Received: from client.example ([192.0.2.1])",
      "\tby mx.example (Pillarbox) with ESMTPSA id Q1",
      "\t(using TLSv1.3 with cipher TLS_AES_128_GCM_SHA256)",
      `\t(authenticated as alice@example.org); ${dateText}`,
    ],
  },
  {
    name: "sanitises a hostile authenticated user name",
    info: { ...base, authUser: "bob)\r\n(x" },
    expected: [
      "Received: from client.example ([192.0.2.1])",
      "\tby mx.example (Pillarbox) with ESMTPA id Q1",
      `\t(authenticated as bob????x); ${dateText}`,
    ],
  },
  {
    name: "adds the for clause on its own folded line",
    info: { ...base, tls: { protocol: "TLSv1.3", cipher: "X" }, forRecipient: "bob@example.org" },
    expected: [
      "Received: from client.example ([192.0.2.1])",
      "\tby mx.example (Pillarbox) with ESMTPS id Q1",
      "\t(using TLSv1.3 with cipher X)",
      `\tfor <bob@example.org>; ${dateText}`,
    ],
  },
  {
    name: "sanitises a quoted recipient in the for clause",
    info: { ...base, forRecipient: '"a b>\r\n"@example.org' },
    expected: [
      "Received: from client.example ([192.0.2.1])",
      "\tby mx.example (Pillarbox) with ESMTP id Q1",
      `\tfor <"a?b>??"@example.org>; ${dateText}`,
    ],
  },
  {
    name: "keeps the quotes of a recipient with an escaped quote balanced in the for clause",
    info: { ...base, forRecipient: '"a\\"b;c"@example.org' },
    expected: [
      "Received: from client.example ([192.0.2.1])",
      "\tby mx.example (Pillarbox) with ESMTP id Q1",
      `\tfor <"a??b?c"@example.org>; ${dateText}`,
    ],
  },
  {
    name: "keeps a quoted local part with an @ whole in the for clause",
    info: { ...base, forRecipient: '"a@b"@example.org' },
    expected: [
      "Received: from client.example ([192.0.2.1])",
      "\tby mx.example (Pillarbox) with ESMTP id Q1",
      `\tfor <"a@b"@example.org>; ${dateText}`,
    ],
  },
  {
    // Cut at 256 characters, the closing quote is gone: no lone quote may open a string.
    name: "leaves no lone quote when a long quoted local part is cut",
    info: { ...base, forRecipient: `"${"x".repeat(300)}"@example.org` },
    expected: [
      "Received: from client.example ([192.0.2.1])",
      "\tby mx.example (Pillarbox) with ESMTP id Q1",
      `\tfor <?${"x".repeat(255)}>; ${dateText}`,
    ],
  },
  {
    name: "writes a Unicode domain in the for clause in A-labels",
    info: { ...base, forRecipient: "joerg@bücher.test" },
    expected: [
      "Received: from client.example ([192.0.2.1])",
      "\tby mx.example (Pillarbox) with ESMTP id Q1",
      `\tfor <joerg@xn--bcher-kva.test>; ${dateText}`,
    ],
  },
  {
    name: "keeps a UTF-8 local part, which only an SMTPUTF8 transaction carries",
    info: { ...base, isSmtputf8: true, forRecipient: "jörg@bücher.test" },
    expected: [
      "Received: from client.example ([192.0.2.1])",
      "\tby mx.example (Pillarbox) with UTF8SMTP id Q1",
      `\tfor <jörg@bücher.test>; ${dateText}`,
    ],
  },
  {
    name: "replaces C1 controls and line separators in a UTF-8 address",
    info: { ...base, isSmtputf8: true, forRecipient: "j\u0085ö\u2028r(g)@bücher.test" },
    expected: [
      "Received: from client.example ([192.0.2.1])",
      "\tby mx.example (Pillarbox) with UTF8SMTP id Q1",
      `\tfor <j?ö?r?g?@bücher.test>; ${dateText}`,
    ],
  },
  {
    name: "writes a short header for locally submitted mail",
    info: { ...base, protocol: "local", forRecipient: "bob@example.org" },
    expected: ["Received: by mx.example (Pillarbox) id Q1", `\tfor <bob@example.org>; ${dateText}`],
  },
];

Deno.test("formatReceived() keeps a HELO name and a hostname of 253 octets whole (RFC 5321 4.4: the name as presented)", () => {
  const longName = ["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(56), "test"].join(
    ".",
  );
  assert.equal(longName.length, 253);
  const header = formatReceived({ ...base, helo: longName, hostname: longName });
  assert.equal(
    header,
    `Received: from ${longName} ([192.0.2.1])\r\n` +
      `\tby ${longName} (Pillarbox) with ESMTP id Q1; ${dateText}\r\n`,
  );
  const local = formatReceived({ ...base, protocol: "local", hostname: longName });
  assert.equal(local, `Received: by ${longName} (Pillarbox) id Q1; ${dateText}\r\n`);
});

for (const c of cases) {
  Deno.test(`formatReceived() ${c.name}`, () => {
    const header = formatReceived(c.info);
    assert.equal(header, c.expected.join("\r\n") + "\r\n");
  });
}

Deno.test("formatReceived() never lets a client value start a new header line", () => {
  const hostile = "a\r\nBcc: x\rY\nZ\t(\u2028)\0" + "h".repeat(2000);
  const header = formatReceived({
    ...base,
    helo: hostile,
    clientIp: hostile,
    authUser: hostile,
    forRecipient: hostile,
    tls: { protocol: hostile, cipher: hostile },
  });
  assert.ok(header.endsWith("\r\n"));
  const lines = header.slice(0, -2).split("\r\n");
  assert.ok(lines[0]?.startsWith("Received: "));
  for (const line of lines.slice(1)) assert.ok(line.startsWith("\t"), JSON.stringify(line));
  for (const line of lines) {
    assert.ok(!/[\r\n\0\u2028]/.test(line));
    assert.ok(line.length <= 998, `line of ${line.length} characters`);
  }
  assert.ok(!/[^\t\x20-\x7e]/.test(lines.join("")), "only printable ASCII and tabs");
});

const sanitizeCases: { name: string; value: string; maxLength?: number; expected: string }[] = [
  { name: "keeps printable ASCII", value: "mx-1.example", expected: "mx-1.example" },
  { name: "replaces spaces, controls and non-ASCII", value: "a b\tc\xe9\0", expected: "a?b?c??" },
  { name: "replaces parentheses and backslashes", value: "(a\\b)", expected: "?a?b?" },
  { name: "cuts at the maximum length", value: "abcdef", maxLength: 3, expected: "abc" },
];

for (const c of sanitizeCases) {
  Deno.test(`sanitizeTraceValue() ${c.name}`, () => {
    assert.equal(sanitizeTraceValue(c.value, c.maxLength), c.expected);
  });
}

const protocolCases: { info: Parameters<typeof withProtocol>[0]; expected: string }[] = [
  { info: { protocol: "SMTP" }, expected: "SMTP" },
  { info: { protocol: "SMTP", authUser: "a" }, expected: "SMTP" },
  { info: { protocol: "ESMTP" }, expected: "ESMTP" },
  { info: { protocol: "ESMTP", tls: { protocol: "TLSv1.3", cipher: "x" } }, expected: "ESMTPS" },
  { info: { protocol: "ESMTP", authUser: "a" }, expected: "ESMTPA" },
  {
    info: { protocol: "ESMTP", tls: { protocol: "TLSv1.3", cipher: "x" }, authUser: "a" },
    expected: "ESMTPSA",
  },
  { info: { protocol: "ESMTP", tls: null }, expected: "ESMTP" },
  { info: { protocol: "ESMTP", isSmtputf8: true }, expected: "UTF8SMTP" },
  {
    info: { protocol: "ESMTP", isSmtputf8: true, tls: { protocol: "TLSv1.3", cipher: "x" } },
    expected: "UTF8SMTPS",
  },
  { info: { protocol: "ESMTP", isSmtputf8: true, authUser: "a" }, expected: "UTF8SMTPA" },
  {
    info: {
      protocol: "ESMTP",
      isSmtputf8: true,
      tls: { protocol: "TLSv1.3", cipher: "x" },
      authUser: "a",
    },
    expected: "UTF8SMTPSA",
  },
  { info: { protocol: "ESMTP", isSmtputf8: false }, expected: "ESMTP" },
];

for (const c of protocolCases) {
  Deno.test(`withProtocol() says ${c.expected} for ${JSON.stringify(c.info)}`, () => {
    assert.equal(withProtocol(c.info), c.expected);
  });
}
