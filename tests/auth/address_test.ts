import assert from "node:assert/strict";
import {
  isValidAccountAddress,
  isValidDomain,
  isValidTargetAddress,
  normalizeAddress,
} from "../../src/auth/mod.ts";

const normalizeCases: { name: string; input: string; expected: string }[] = [
  { name: "lowercases both halves", input: "Bob@Example.COM", expected: "bob@example.com" },
  {
    name: "trims surrounding whitespace",
    input: "  bob@example.com\r\n",
    expected: "bob@example.com",
  },
  {
    name: "leaves a canonical address alone",
    input: "a.b+c@d.example",
    expected: "a.b+c@d.example",
  },
  {
    name: "writes a U-label domain in A-labels (RFC 5890: one domain)",
    input: "joerg@bücher.test",
    expected: "joerg@xn--bcher-kva.test",
  },
  {
    name: "maps upper-case non-ASCII domain letters as IDNA does, keeping the local part's letters",
    input: "Jörg@BÜCHER.Test",
    expected: "jörg@xn--bcher-kva.test",
  },
  {
    name: "lowercases an A-label domain",
    input: "joerg@XN--BCHER-KVA.test",
    expected: "joerg@xn--bcher-kva.test",
  },
];
for (const c of normalizeCases) {
  Deno.test(`normalizeAddress() ${c.name}`, () => {
    assert.equal(normalizeAddress(c.input), c.expected);
  });
}

/** An address of exactly `length` characters: a 64-character local part and labels of 63 or less. */
function addressOfLength(length: number): string {
  const labels: string[] = [];
  let domainLength = length - 65;
  while (domainLength > 0) {
    const label = Math.min(63, domainLength);
    labels.push("b".repeat(label));
    domainLength -= label + 1;
  }
  const address = `${"a".repeat(64)}@${labels.join(".")}`;
  assert.equal(address.length, length);
  return address;
}

const accountCases: { name: string; input: string; expected: boolean }[] = [
  { name: "accepts a plain address", input: "bob@example.com", expected: true },
  {
    name: "accepts dots, plus, dash and underscore in the local part",
    input: "a.b+c_d-e@example.com",
    expected: true,
  },
  { name: "accepts a single-label domain", input: "root@localhost", expected: true },
  { name: "accepts a digit-only local part", input: "123@example.com", expected: true },
  { name: "rejects uppercase (normalize first)", input: "Bob@example.com", expected: false },
  { name: "rejects an uppercase domain", input: "bob@Example.com", expected: false },
  { name: "rejects the empty string", input: "", expected: false },
  { name: "rejects a missing @", input: "bob", expected: false },
  { name: "rejects an empty local part", input: "@example.com", expected: false },
  { name: "rejects an empty domain", input: "bob@", expected: false },
  { name: "rejects two @", input: "bob@evil@example.com", expected: false },
  { name: "rejects a path traversal in the local part", input: "../x@d", expected: false },
  { name: "rejects a slash in the local part", input: "a/b@d", expected: false },
  { name: "rejects a dot-dot local part", input: "..@d", expected: false },
  { name: "rejects a lone dot local part", input: ".@d", expected: false },
  { name: "rejects a doubled dot", input: "a..b@d", expected: false },
  { name: "rejects a leading dot", input: ".a@d", expected: false },
  { name: "rejects a trailing dot", input: "a.@d", expected: false },
  { name: "rejects a path traversal domain", input: "x@../..", expected: false },
  { name: "rejects a dot-dot domain", input: "x@..", expected: false },
  { name: "rejects a domain with a slash", input: "x@a/b", expected: false },
  { name: "rejects a NUL byte", input: "bob\0@example.com", expected: false },
  { name: "rejects a NUL in the domain", input: "bob@exa\0mple.com", expected: false },
  { name: "rejects spaces", input: "bob smith@example.com", expected: false },
  {
    name: "rejects surrounding spaces (normalize first)",
    input: " bob@example.com",
    expected: false,
  },
  { name: "rejects a quoted local part", input: '"bob"@example.com', expected: false },
  { name: "rejects an apostrophe", input: "o'neil@example.com", expected: false },
  { name: "rejects a domain literal", input: "bob@[127.0.0.1]", expected: false },
  { name: "rejects a trailing dot in the domain", input: "bob@example.com.", expected: false },
  { name: "rejects a label starting with a hyphen", input: "bob@-example.com", expected: false },
  { name: "rejects an underscore in the domain", input: "bob@ex_ample.com", expected: false },
  { name: "rejects non-ASCII", input: "bjørn@example.com", expected: false },
  {
    name: "rejects a local part over 64 characters",
    input: `${"a".repeat(65)}@d`,
    expected: false,
  },
  // RFC 5321 4.5.3.1.1: a local part may have 64 octets; 4.5.3.1.3: a path 256 with its
  // brackets, so an address 254.
  { name: "accepts a local part of 64 characters", input: `${"a".repeat(64)}@d`, expected: true },
  { name: "accepts an address of 254 characters", input: addressOfLength(254), expected: true },
  { name: "rejects an address of 255 characters", input: addressOfLength(255), expected: false },
  {
    name: "rejects a label over 63 characters",
    input: `bob@${"a".repeat(64)}.com`,
    expected: false,
  },
];
for (const c of accountCases) {
  Deno.test(`isValidAccountAddress() ${c.name}`, () => {
    assert.equal(isValidAccountAddress(c.input), c.expected);
  });
}

const targetCases: { name: string; input: string; expected: boolean }[] = [
  { name: "accepts an account address", input: "bob@example.com", expected: true },
  {
    name: "accepts an apostrophe for a remote mailbox",
    input: "o'neil@example.org",
    expected: true,
  },
  { name: "rejects a doubled dot", input: "a..b@example.org", expected: false },
  { name: "rejects a slash-free traversal domain", input: "a@..", expected: false },
  { name: "rejects a missing domain", input: "a@", expected: false },
  { name: "accepts a local part of 64 characters", input: `${"a".repeat(64)}@d`, expected: true },
  {
    name: "rejects a local part over 64 characters",
    input: `${"a".repeat(65)}@d`,
    expected: false,
  },
  { name: "accepts an address of 254 characters", input: addressOfLength(254), expected: true },
  { name: "rejects an address of 255 characters", input: addressOfLength(255), expected: false },
];
for (const c of targetCases) {
  Deno.test(`isValidTargetAddress() ${c.name}`, () => {
    assert.equal(isValidTargetAddress(c.input), c.expected);
  });
}

Deno.test("isValidDomain() accepts hostnames and rejects empty labels", () => {
  assert.equal(isValidDomain("mail.example.com"), true);
  assert.equal(isValidDomain("a.b-c.d"), true);
  assert.equal(isValidDomain("a..b"), false);
  assert.equal(isValidDomain(""), false);
  assert.equal(isValidDomain("."), false);
  assert.equal(isValidDomain("Example.com"), false);
});
