/** normaliseIp(): one spelling per address, so that comparing two spellings compares addresses. */
import assert from "node:assert/strict";
import { clientKey, normaliseIp } from "../../src/net/mod.ts";

const CASES: [string, string, string][] = [
  ["keeps an IPv4 address", "127.0.0.1", "127.0.0.1"],
  ["keeps the highest IPv4 address", "255.255.255.255", "255.255.255.255"],
  ["leaves text with a leading zero as written (no address)", "127.0.0.010", "127.0.0.010"],
  ["keeps ::1", "::1", "::1"],
  ["compresses every zero written out", "0:0:0:0:0:0:0:1", "::1"],
  ["lower-cases and compresses IPv6", "2001:DB8:0:0:0:0:0:A", "2001:db8::a"],
  ["drops the brackets", "[::1]", "::1"],
  ["unmaps an IPv4-mapped address", "::ffff:127.0.0.1", "127.0.0.1"],
  ["unmaps one in upper case with brackets", "[::FFFF:127.0.0.1]", "127.0.0.1"],
  ["unmaps one written in hex", "::ffff:7f00:1", "127.0.0.1"],
  ["unmaps one with every zero written", "0:0:0:0:0:ffff:127.0.0.1", "127.0.0.1"],
  ["keeps :: (the unspecified address)", "0:0:0:0:0:0:0:0", "::"],
  ["only lower-cases a host name", "LocalHost", "localhost"],
];
for (const [name, input, expected] of CASES) {
  Deno.test(`normaliseIp() ${name}: "${input}" -> "${expected}"`, () => {
    assert.equal(normaliseIp(input), expected);
  });
}

const KEY_CASES: [string, string, string][] = [
  ["counts IPv4 as is", "192.0.2.1", "192.0.2.1"],
  ["counts IPv6 by its /64", "2001:DB8:0:0:1::1", "2001:db8:0:0::/64"],
  ["spells the /64 without leading zeros", "2001:0db8:0000:0001::1", "2001:db8:0:1::/64"],
  ["drops a zone", "fe80::1%eth0", "fe80:0:0:0::/64"],
  ["keeps text with two '::' as given", "2001:db8::1::2", "2001:db8::1::2"],
  ["keeps three groups without '::' as given", "1:2:3", "1:2:3"],
  ["keeps eight groups beside '::' as given", "1:2:3:4::5:6:7:8", "1:2:3:4::5:6:7:8"],
  ["keeps a group of five hex digits as given", "12345::1", "12345::1"],
];
for (const [name, input, expected] of KEY_CASES) {
  Deno.test(`clientKey() ${name}: "${input}" -> "${expected}"`, () => {
    assert.equal(clientKey(input), expected);
  });
}
