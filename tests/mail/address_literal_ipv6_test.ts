import assert from "node:assert/strict";
import { parseAddressLiteral } from "../../src/mail/address.ts";

// RFC 5321 4.1.3: IPv6-full is 8 groups; IPv6-comp allows "no more than 6 groups in
// addition to the '::'"; IPv6v4-full is 6 groups and an IPv4 address; IPv6v4-comp
// allows "no more than 4 groups in addition to the '::' and IPv4-address-literal".
const VALID: { name: string; inner: string; normalised?: string }[] = [
  { name: "eight full groups", inner: "1:2:3:4:5:6:7:8" },
  { name: "'::' alone", inner: "::" },
  { name: "'::' at the start with 6 groups after it", inner: "::1:2:3:4:5:6" },
  { name: "'::' at the end with 6 groups before it", inner: "1:2:3:4:5:6::" },
  { name: "6 groups split around '::'", inner: "1:2:3::4:5:6" },
  { name: "one group each side of '::'", inner: "2001::1" },
  {
    name: "upper-case hex (tag and digits normalised)",
    inner: "ABCD:EF01::1",
    normalised: "abcd:ef01::1",
  },
  { name: "leading zeros in groups of four digits", inner: "0001:0db8::000a" },
  { name: "6 groups and an IPv4 address (IPv6v4-full)", inner: "1:2:3:4:5:6:192.0.2.1" },
  { name: "4 groups before '::' and an IPv4 address", inner: "1:2:3:4::192.0.2.1" },
  { name: "4 groups after '::' and an IPv4 address", inner: "::1:2:3:4:192.0.2.1" },
  { name: "4 groups around '::' and an IPv4 address", inner: "1:2::3:4:192.0.2.1" },
  { name: "'::' and an IPv4 address", inner: "::192.0.2.1" },
];

const INVALID: { name: string; inner: string }[] = [
  { name: "7 groups beside '::' (6 before, 1 after)", inner: "1:2:3:4:5:6::7" },
  { name: "7 groups after '::'", inner: "::1:2:3:4:5:6:7" },
  { name: "7 groups before '::'", inner: "1:2:3:4:5:6:7::" },
  { name: "7 groups split around '::'", inner: "1:2:3:4::5:6:7" },
  { name: "8 groups beside '::'", inner: "1:2:3:4:5:6:7::8" },
  { name: "5 groups before '::' and an IPv4 address", inner: "1:2:3:4:5::192.0.2.1" },
  { name: "5 groups after '::' and an IPv4 address", inner: "::1:2:3:4:5:192.0.2.1" },
  { name: "5 groups split around '::' and an IPv4 address", inner: "1:2:3::4:5:192.0.2.1" },
  { name: "5 groups and an IPv4 address without '::'", inner: "1:2:3:4:5:192.0.2.1" },
  { name: "7 groups and an IPv4 address without '::'", inner: "1:2:3:4:5:6:7:192.0.2.1" },
  { name: "7 groups without '::'", inner: "1:2:3:4:5:6:7" },
  { name: "9 groups without '::'", inner: "1:2:3:4:5:6:7:8:9" },
  { name: "three colons", inner: ":::" },
  { name: "three colons between groups", inner: "1:::2" },
  { name: "two '::'", inner: "1::2::3" },
  { name: "'::' at both ends", inner: "::1::" },
  { name: "a group of five hex digits", inner: "12345::1" },
  { name: "nothing after the tag", inner: "" },
];

for (const c of VALID) {
  Deno.test(`parseAddressLiteral() accepts IPv6 ${c.name}`, () => {
    const expected = `[IPv6:${c.normalised ?? c.inner}]`;
    assert.equal(parseAddressLiteral(`[IPv6:${c.inner}]`), expected);
    assert.equal(parseAddressLiteral(`[ipv6:${c.inner}]`), expected);
  });
}

for (const c of INVALID) {
  Deno.test(`parseAddressLiteral() refuses IPv6 with ${c.name}`, () => {
    assert.equal(parseAddressLiteral(`[IPv6:${c.inner}]`), null);
  });
}
