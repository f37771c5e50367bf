/** normaliseIp(): one spelling per address, so that comparing two spellings compares addresses. */
import assert from "node:assert/strict";
import { normaliseIp } from "../../src/net/mod.ts";

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
