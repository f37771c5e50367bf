import assert from "node:assert/strict";
import {
  isHostname,
  parseAddressLiteral,
  parseDomain,
  parseMailbox,
  parsePath,
} from "../../src/mail/address.ts";

const local64 = "a".repeat(64);
const label63 = "b".repeat(63);

interface MailboxExpectation {
  local: string;
  domain: string;
  isUtf8?: boolean;
}

const pathCases: {
  name: string;
  text: string;
  allowNull?: boolean;
  expected: MailboxExpectation | "null" | "error";
}[] = [
  { name: "accepts the null path where allowed", text: "<>", allowNull: true, expected: "null" },
  {
    name: "refuses the null path where not allowed",
    text: "<>",
    allowNull: false,
    expected: "error",
  },
  {
    name: "parses a plain mailbox",
    text: "<user@example.com>",
    expected: { local: "user", domain: "example.com" },
  },
  {
    name: "lower-cases the domain and keeps the case of the local part",
    text: "<John.Doe@EXAMPLE.Com>",
    expected: { local: "John.Doe", domain: "example.com" },
  },
  {
    name: "keeps a quoted local part with a space quoted",
    text: '<"john doe"@x.example>',
    expected: { local: '"john doe"', domain: "x.example" },
  },
  {
    name: "keeps an escaped quote in a quoted local part",
    text: '<"a\\"b"@x.example>',
    expected: { local: '"a\\"b"', domain: "x.example" },
  },
  {
    name: "canonicalises a needlessly quoted local part to a dot-string",
    text: '<"abc"@x.example>',
    expected: { local: "abc", domain: "x.example" },
  },
  {
    name: "canonicalises needless quoted pairs",
    text: '<"a\\bc"@x.example>',
    expected: { local: "abc", domain: "x.example" },
  },
  {
    name: "keeps a quoted local part with two dots quoted",
    text: '<"a..b"@x.example>',
    expected: { local: '"a..b"', domain: "x.example" },
  },
  {
    name: "drops a source route and keeps the final mailbox",
    text: "<@a.example,@b.example:u@c.example>",
    expected: { local: "u", domain: "c.example" },
  },
  {
    name: "refuses a source route without a colon",
    text: "<@a.example,u@c.example>",
    expected: "error",
  },
  {
    name: "refuses a source route with a bad hop",
    text: "<@a.example,b.example:u@c.example>",
    expected: "error",
  },
  {
    name: "keeps the percent hack as a local part, never a relay target",
    text: "<u%other.example@local.example>",
    expected: { local: "u%other.example", domain: "local.example" },
  },
  {
    name: "keeps a bang path as a local part",
    text: "<host!user@local.example>",
    expected: { local: "host!user", domain: "local.example" },
  },
  {
    name: "splits at the last @ outside quotes",
    text: '<"a@b"@c.example>',
    expected: { local: '"a@b"', domain: "c.example" },
  },
  {
    name: "accepts an IPv4 address literal",
    text: "<u@[192.0.2.1]>",
    expected: { local: "u", domain: "[192.0.2.1]" },
  },
  {
    name: "accepts an IPv6 address literal",
    text: "<u@[IPv6:2001:DB8::1]>",
    expected: { local: "u", domain: "[IPv6:2001:db8::1]" },
  },
  {
    name: "refuses an IPv4 literal with a part over 255",
    text: "<u@[999.1.1.1]>",
    expected: "error",
  },
  { name: "refuses an IPv4 literal with three parts", text: "<u@[1.2.3]>", expected: "error" },
  {
    name: "accepts a 64-octet local part",
    text: `<${local64}@x.example>`,
    expected: { local: local64, domain: "x.example" },
  },
  { name: "refuses a 65-octet local part", text: `<${local64}a@x.example>`, expected: "error" },
  {
    name: "accepts a 63-octet domain label",
    text: `<u@${label63}.example>`,
    expected: { local: "u", domain: `${label63}.example` },
  },
  { name: "refuses a 64-octet domain label", text: `<u@${label63}b.example>`, expected: "error" },
  {
    name: "accepts a path of exactly 256 octets with its brackets",
    text: `<u@${[label63, label63, label63, "c".repeat(60)].join(".")}>`,
    expected: { local: "u", domain: [label63, label63, label63, "c".repeat(60)].join(".") },
  },
  {
    name: "refuses a path of 257 octets with its brackets (RFC 5321 4.5.3.1.3)",
    text: `<u@${[label63, label63, label63, "c".repeat(61)].join(".")}>`,
    expected: "error",
  },
  {
    name: "refuses a path over 256 octets",
    text: `<u@${"d".repeat(40)}${".x".repeat(120)}>`,
    expected: "error",
  },
  { name: "refuses a control character", text: "<u\x01@x.example>", expected: "error" },
  { name: "refuses a NUL", text: "<u\0@x.example>", expected: "error" },
  { name: "refuses a NUL in a quoted local part", text: '<"u\0"@x.example>', expected: "error" },
  { name: "refuses a CR LF", text: "<u@x.example\r\n>", expected: "error" },
  {
    name: "marks a UTF-8 local part as needing SMTPUTF8",
    text: "<jörg@x.example>",
    expected: { local: "jörg", domain: "x.example", isUtf8: true },
  },
  {
    name: "marks a UTF-8 domain as needing SMTPUTF8",
    text: "<u@bücher.example>",
    expected: { local: "u", domain: "bücher.example", isUtf8: true },
  },
  { name: "refuses a mailbox without @", text: "<user>", expected: "error" },
  { name: "refuses an empty local part", text: "<@x.example>", expected: "error" },
  { name: "refuses an empty domain", text: "<u@>", expected: "error" },
  { name: "refuses a trailing dot in the domain", text: "<u@x.example.>", expected: "error" },
  { name: "refuses a leading hyphen in a label", text: "<u@-x.example>", expected: "error" },
  { name: "refuses a trailing hyphen in a label", text: "<u@x-.example>", expected: "error" },
  {
    name: "refuses two dots in a row in the local part",
    text: "<a..b@x.example>",
    expected: "error",
  },
  { name: "refuses a leading dot in the local part", text: "<.a@x.example>", expected: "error" },
  { name: "refuses a space in an unquoted local part", text: "<a b@x.example>", expected: "error" },
  { name: "refuses missing brackets", text: "u@x.example", expected: "error" },
  { name: "refuses a path without its closing bracket", text: "<u@x.example", expected: "error" },
  {
    name: "refuses a source route hop without its @",
    text: "<@a.example,bb.example:u@c.example>",
    expected: "error",
  },
  {
    name: "refuses a source route hop that is not a domain",
    text: "<@a.example,@-b.example:u@c.example>",
    expected: "error",
  },
  {
    name: "refuses an unescaped quote inside a quoted local part (RFC 5321 4.1.2 qtextSMTP)",
    text: '<"a"b"c"@x.example>',
    expected: "error",
  },
  {
    name: "keeps an escaped backslash escaped in a quoted local part",
    text: '<"a\\\\b"@x.example>',
    expected: { local: '"a\\\\b"', domain: "x.example" },
  },
  {
    name: "accepts UTF-8 in a quoted local part (RFC 6531 3.3)",
    text: '<"jörg x"@x.example>',
    expected: { local: '"jörg x"', domain: "x.example", isUtf8: true },
  },
];

for (const c of pathCases) {
  Deno.test(`parsePath() ${c.name}`, () => {
    const result = parsePath(c.text, { allowNull: c.allowNull ?? true });
    if (c.expected === "error") {
      assert.ok("error" in result, `expected an error, got ${JSON.stringify(result)}`);
      assert.equal(typeof result.error, "string");
    } else if (c.expected === "null") {
      assert.deepEqual(result, { kind: "null" });
    } else {
      const { local, domain, isUtf8 = false } = c.expected;
      assert.deepEqual(result, {
        kind: "mailbox",
        mailbox: { local, domain, address: `${local}@${domain}`, isUtf8 },
      });
    }
  });
}

Deno.test("parseMailbox() parses a bare mailbox without brackets", () => {
  assert.deepEqual(parseMailbox("Bob@Example.ORG"), {
    local: "Bob",
    domain: "example.org",
    address: "Bob@example.org",
    isUtf8: false,
  });
});

Deno.test("parseMailbox() quotes at most 64 characters of a bad domain in its error", () => {
  const result = parseMailbox(`u@${"d".repeat(300)}_`);
  assert.ok("error" in result);
  assert.equal(result.error, `invalid domain "${"d".repeat(64)}"`);
});

Deno.test("parseMailbox() refuses a mailbox with brackets", () => {
  assert.ok("error" in parseMailbox("<bob@example.org>"));
});

const domainCases: { name: string; text: string; expected: string | null }[] = [
  { name: "lower-cases a domain", text: "MX.Example.COM", expected: "mx.example.com" },
  { name: "accepts a single label", text: "localhost", expected: "localhost" },
  { name: "accepts digits and inner hyphens", text: "a-1.x9.example", expected: "a-1.x9.example" },
  { name: "accepts a 63-octet label", text: label63, expected: label63 },
  { name: "refuses a 64-octet label", text: label63 + "b", expected: null },
  {
    name: "accepts a domain of 255 octets",
    text: `${label63}.${label63}.${label63}.${"c".repeat(63)}`,
    expected: `${label63}.${label63}.${label63}.${"c".repeat(63)}`,
  },
  {
    name: "refuses a domain of 256 octets",
    text: `${label63}.${label63}.${label63}.${"c".repeat(62)}.d`,
    expected: null,
  },
  { name: "refuses an empty domain", text: "", expected: null },
  { name: "refuses a trailing dot", text: "example.com.", expected: null },
  { name: "refuses a leading dot", text: ".example.com", expected: null },
  { name: "refuses an empty label", text: "a..b", expected: null },
  { name: "refuses a leading hyphen", text: "-a.example", expected: null },
  { name: "refuses an underscore", text: "a_b.example", expected: null },
  { name: "refuses an address literal", text: "[192.0.2.1]", expected: null },
  {
    name: "accepts and lower-cases a U-label domain",
    text: "BÜCHER.example",
    expected: "bücher.example",
  },
  {
    name: "refuses a 63-octet UTF-8 label whose A-label is longer than 63 octets (RFC 5891 4.2)",
    text: "한中ψżあ€żłğøहşż中şşşџжア한ψжაçџö.example",
    expected: null,
  },
  { name: "refuses a U-label domain IDNA cannot convert", text: "bücher.xn--zz", expected: null },
  // UTS 46 maps these to ASCII that is no LDH name ("a b", "a!!b", "a(1)b"): no U-label
  // (RFC 5891 4.2.3), and a name the resolver refuses to ask DNS for, on every retry.
  { name: "refuses a label with a no-break space", text: "a\u00a0b.example", expected: null },
  { name: "refuses a label with an ideographic space", text: "a\u3000b.example", expected: null },
  {
    name: "refuses a label with a double exclamation mark",
    text: "a\u203cb.example",
    expected: null,
  },
  { name: "refuses a label with a parenthesized digit", text: "a\u2474b.example", expected: null },
  {
    name: "refuses a label with a non-spacing acute accent",
    text: "a\u1ffdb.example",
    expected: null,
  },
];

for (const c of domainCases) {
  Deno.test(`parseDomain() ${c.name}`, () => {
    assert.equal(parseDomain(c.text), c.expected);
  });
}

const literalCases: { name: string; text: string; expected: string | null }[] = [
  { name: "accepts an IPv4 literal", text: "[192.0.2.1]", expected: "[192.0.2.1]" },
  { name: "accepts 255 in every part", text: "[255.255.255.255]", expected: "[255.255.255.255]" },
  { name: "accepts an IPv6 literal", text: "[IPv6:2001:db8::1]", expected: "[IPv6:2001:db8::1]" },
  {
    name: "normalises the IPv6 tag and hex case",
    text: "[ipv6:2001:DB8::A]",
    expected: "[IPv6:2001:db8::a]",
  },
  {
    name: "accepts a full IPv6 literal",
    text: "[IPv6:1:2:3:4:5:6:7:8]",
    expected: "[IPv6:1:2:3:4:5:6:7:8]",
  },
  {
    name: "accepts an IPv6 literal with an IPv4 tail",
    text: "[IPv6:::ffff:192.0.2.1]",
    expected: "[IPv6:::ffff:192.0.2.1]",
  },
  { name: "refuses a part over 255", text: "[999.1.1.1]", expected: null },
  { name: "refuses three parts", text: "[1.2.3]", expected: null },
  { name: "refuses five parts", text: "[1.2.3.4.5]", expected: null },
  { name: "refuses a literal without brackets", text: "192.0.2.1", expected: null },
  { name: "refuses an IPv6 address without its tag", text: "[2001:db8::1]", expected: null },
  { name: "refuses two '::' in an IPv6 literal", text: "[IPv6:1::2::3]", expected: null },
  { name: "refuses non-hex digits in an IPv6 literal", text: "[IPv6:2001:db8::g]", expected: null },
  { name: "refuses an IPv6 literal with too few groups", text: "[IPv6:1:2]", expected: null },
  {
    name: "refuses an IPv6 literal with too many groups",
    text: "[IPv6:1:2:3:4:5:6:7:8:9]",
    expected: null,
  },
  { name: "refuses an IPv6 literal of a single colon", text: "[IPv6::]", expected: null },
  { name: "refuses an IPv6 group of five hex digits", text: "[IPv6:12345::1]", expected: null },
  { name: "refuses an empty literal", text: "[]", expected: null },
  { name: "accepts the IPv6 loopback", text: "[IPv6:::1]", expected: "[IPv6:::1]" },
  {
    name: "accepts a full IPv6 literal with an IPv4 tail",
    text: "[IPv6:1:2:3:4:5:6:192.0.2.1]",
    expected: "[IPv6:1:2:3:4:5:6:192.0.2.1]",
  },
  { name: "refuses an IPv4 address behind the IPv6 tag", text: "[IPv6:192.0.2.1]", expected: null },
  { name: "refuses an IPv4 tail that is not last", text: "[IPv6:192.0.2.1::1]", expected: null },
  { name: "refuses a leading single colon", text: "[IPv6::1::]", expected: null },
  {
    name: "refuses an IPv4 literal without its closing bracket",
    text: "[192.0.2.1x",
    expected: null,
  },
  {
    name: "refuses an IPv6 literal without its closing bracket",
    text: "[IPv6:::1x",
    expected: null,
  },
  { name: "refuses 256 in a part", text: "[256.0.0.1]", expected: null },
  {
    name: "refuses a part of four digits (RFC 5321 4.1.3 Snum)",
    text: "[0001.2.3.4]",
    expected: null,
  },
  {
    name: "refuses an IPv4 tail followed by another group",
    text: "[IPv6:::192.0.2.1:1]",
    expected: null,
  },
  { name: "refuses eight groups beside a '::'", text: "[IPv6:1:2:3:4:5:6:7::8]", expected: null },
];

for (const c of literalCases) {
  Deno.test(`parseAddressLiteral() ${c.name}`, () => {
    assert.equal(parseAddressLiteral(c.text), c.expected);
  });
}

const HOSTNAME_CASES: [string, string, boolean][] = [
  ["isHostname() accepts a single label", "localhost", true],
  ["isHostname() accepts dotted labels with inner hyphens", "mail.b-c.example", true],
  ["isHostname() accepts upper case", "Mail.Example.COM", true],
  ["isHostname() accepts a 63-character label", `${"a".repeat(63)}.test`, true],
  ["isHostname() rejects a 64-character label", `${"a".repeat(64)}.test`, false],
  ["isHostname() rejects an empty name", "", false],
  ["isHostname() rejects an empty label", "a..b", false],
  ["isHostname() rejects a trailing dot", "example.com.", false],
  ["isHostname() rejects a leading hyphen", "-a.test", false],
  ["isHostname() rejects an underscore", "a_b.test", false],
  ["isHostname() rejects non-ASCII", "bücher.test", false],
  ["isHostname() rejects a name over 253 characters", `${"a.".repeat(126)}ab`, false],
];

for (const [name, text, expected] of HOSTNAME_CASES) {
  Deno.test(name, () => {
    assert.equal(isHostname(text), expected);
  });
}
