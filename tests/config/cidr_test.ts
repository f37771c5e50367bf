import assert from "node:assert/strict";
import { formatCidr, ipInNetworks, parseCidr } from "../../src/config/mod.ts";

const goodCidrs: Array<[string, string, string]> = [
  ["parseCidr() reads an IPv4 network", "127.0.0.0/8", "127.0.0.0/8"],
  ["parseCidr() reads an IPv6 host", "::1/128", "::1/128"],
  ["parseCidr() treats a bare IPv4 address as /32", "192.0.2.7", "192.0.2.7/32"],
  ["parseCidr() treats a bare IPv6 address as /128", "2001:db8::1", "2001:db8::1/128"],
  ["parseCidr() clears host bits below the prefix", "10.1.2.3/8", "10.0.0.0/8"],
  ["parseCidr() reads prefix 0", "0.0.0.0/0", "0.0.0.0/0"],
  ["parseCidr() reads an odd prefix", "192.168.255.255/20", "192.168.240.0/20"],
  ["parseCidr() reads a full IPv6 address", "2001:0db8:0:0:0:0:0:0/32", "2001:db8::/32"],
  ["parseCidr() reads an IPv4-mapped IPv6 address", "::ffff:10.0.0.1/128", "::ffff:a00:1/128"],
  ["parseCidr() reads uppercase hex", "FE80::/10", "fe80::/10"],
];
for (const [name, text, formatted] of goodCidrs) {
  Deno.test(name, () => assert.equal(formatCidr(parseCidr(text)), formatted));
}

const badCidrs: Array<[string, string, RegExp]> = [
  ["parseCidr() rejects an IPv4 prefix over 32", "10.0.0.0/33", /prefix "33"/],
  ["parseCidr() rejects an IPv6 prefix over 128", "::/129", /prefix "129"/],
  ["parseCidr() rejects an empty prefix", "10.0.0.0/", /prefix ""/],
  ["parseCidr() rejects a negative prefix", "10.0.0.0/-1", /prefix "-1"/],
  ["parseCidr() rejects an octet over 255", "256.0.0.0/8", /not an IP address/],
  ["parseCidr() rejects three octets", "10.0.0/8", /not an IP address/],
  ["parseCidr() rejects octal-looking octets", "010.0.0.1", /not an IP address/],
  ["parseCidr() rejects two :: in IPv6", "1::2::3/64", /not an IP address/],
  // RFC 4291 2.2: "::" stands for at least one group of zeros, so eight groups leave it none.
  ["parseCidr() rejects :: with eight groups", "1:2:3:4::5:6:7:8", /not an IP address/],
  ["parseCidr() rejects an address in brackets", "[127.0.0.1]/8", /not an IP address/],
  ["parseCidr() rejects nine IPv6 groups", "1:2:3:4:5:6:7:8:9", /not an IP address/],
  ["parseCidr() rejects a host name", "localhost/8", /not an IP address/],
  ["parseCidr() rejects an empty string", "", /not an IP address/],
];
for (const [name, text, message] of badCidrs) {
  Deno.test(name, () => assert.throws(() => parseCidr(text), message));
}

const loopbacks = ["127.0.0.0/8", "::1/128"].map(parseCidr);
const membership: Array<[string, string, string[], boolean]> = [
  ["ipInNetworks() matches IPv4 inside a /8", "127.1.2.3", ["127.0.0.0/8"], true],
  ["ipInNetworks() refuses IPv4 outside a /8", "128.0.0.1", ["127.0.0.0/8"], false],
  ["ipInNetworks() matches exactly a /32", "192.0.2.7", ["192.0.2.7/32"], true],
  ["ipInNetworks() refuses the neighbour of a /32", "192.0.2.8", ["192.0.2.7/32"], false],
  ["ipInNetworks() matches anything in 0.0.0.0/0", "203.0.113.9", ["0.0.0.0/0"], true],
  ["ipInNetworks() matches any IPv6 in ::/0", "2001:db8::5", ["::/0"], true],
  ["ipInNetworks() keeps families apart for ::/0", "10.0.0.1", ["::/0"], false],
  ["ipInNetworks() matches the IPv6 loopback", "::1", ["::1/128"], true],
  ["ipInNetworks() matches inside an IPv6 /32", "2001:db8:ffff::1", ["2001:db8::/32"], true],
  ["ipInNetworks() refuses outside an IPv6 /32", "2001:db9::1", ["2001:db8::/32"], false],
  [
    "ipInNetworks() matches mapped IPv4 to IPv4 networks",
    "::ffff:127.0.0.1",
    ["127.0.0.0/8"],
    true,
  ],
  ["ipInNetworks() matches hex-mapped IPv4", "::ffff:7f00:1", ["127.0.0.0/8"], true],
  ["ipInNetworks() refuses mapped IPv4 outside", "::ffff:10.0.0.1", ["127.0.0.0/8"], false],
  ["ipInNetworks() matches IPv4 to a mapped network", "10.0.0.1", ["::ffff:10.0.0.0/104"], true],
  ["ipInNetworks() ignores brackets and zones", "[fe80::1%eth0]", ["fe80::/10"], true],
  ["ipInNetworks() matches inside a /20", "192.168.241.1", ["192.168.240.0/20"], true],
  ["ipInNetworks() refuses just outside a /20", "192.168.239.255", ["192.168.240.0/20"], false],
  [
    "ipInNetworks() matches the last address of a /20",
    "192.168.255.255",
    ["192.168.240.0/20"],
    true,
  ],
  ["ipInNetworks() matches the last address of a /25", "192.0.2.127", ["192.0.2.0/25"], true],
  ["ipInNetworks() refuses the first address past a /25", "192.0.2.128", ["192.0.2.0/25"], false],
  // Mapped only with all of ::ffff:0:0/96: other IPv6 addresses ending in ffff:7f00:1 are not 127.0.0.1.
  [
    "ipInNetworks() refuses an IPv6 address that only ends like a mapped one",
    "2001:db8::ffff:7f00:1",
    ["127.0.0.0/8"],
    false,
  ],
  ["ipInNetworks() refuses ::ff00:7f00:1 (not ::ffff:)", "::ff00:7f00:1", ["127.0.0.0/8"], false],
  [
    "ipInNetworks() refuses ::7f00:1 (IPv4-compatible, not mapped)",
    "::7f00:1",
    ["127.0.0.0/8"],
    false,
  ],
  ["ipInNetworks() matches nothing with no networks", "127.0.0.1", [], false],
  ["ipInNetworks() matches nothing for a non-address", "localhost", ["0.0.0.0/0"], false],
];
for (const [name, ip, networks, expected] of membership) {
  Deno.test(name, () => assert.equal(ipInNetworks(ip, networks.map(parseCidr)), expected));
}

Deno.test("ipInNetworks() accepts the default relay networks for both loopbacks", () => {
  assert.equal(ipInNetworks("127.0.0.1", loopbacks), true);
  assert.equal(ipInNetworks("::1", loopbacks), true);
  assert.equal(ipInNetworks("::2", loopbacks), false);
});

// The dotted-quad reader goes a character at a time (it runs for every connection): its edges.
const quads: Array<[string, string, boolean]> = [
  ["ipInNetworks() reads 0.0.0.0", "0.0.0.0", true],
  ["ipInNetworks() reads 255.255.255.255", "255.255.255.255", true],
  ["ipInNetworks() refuses an octet of 256", "255.255.255.256", false],
  ["ipInNetworks() refuses a four-digit octet", "1.2.3.0255", false],
  ["ipInNetworks() refuses a leading zero", "1.2.3.04", false],
  ["ipInNetworks() refuses a trailing dot", "1.2.3.4.", false],
  ["ipInNetworks() refuses a leading dot", ".1.2.3.4", false],
  ["ipInNetworks() refuses an empty octet", "1..2.3", false],
  ["ipInNetworks() refuses five octets", "1.2.3.4.5", false],
  ["ipInNetworks() refuses a space", "1.2.3.4 ", false],
  ["ipInNetworks() refuses a sign", "+1.2.3.4", false],
  ["ipInNetworks() refuses the empty string", "", false],
];
for (const [name, ip, expected] of quads) {
  Deno.test(name, () => assert.equal(ipInNetworks(ip, [parseCidr("0.0.0.0/0")]), expected));
}
