import assert from "node:assert/strict";
import {
  formatHostPort,
  parseHostPort,
  parseListenAddress,
  parseRoute,
} from "../../src/config/mod.ts";

const listens: Array<[string, string, string, number]> = [
  ["parseListenAddress() reads host:port", "127.0.0.1:2525", "127.0.0.1", 2525],
  ["parseListenAddress() reads :port as every IPv4 interface", ":25", "0.0.0.0", 25],
  ["parseListenAddress() reads a bracketed IPv6 address", "[::1]:25", "::1", 25],
  ["parseListenAddress() reads the IPv6 wildcard", "[::]:587", "::", 587],
  ["parseListenAddress() allows port 0", "127.0.0.1:0", "127.0.0.1", 0],
  ["parseListenAddress() allows port 65535", "127.0.0.1:65535", "127.0.0.1", 65535],
  ["parseListenAddress() allows a host name", "localhost:2143", "localhost", 2143],
];
for (const [name, text, hostname, port] of listens) {
  Deno.test(name, () => assert.deepEqual(parseListenAddress(text), { hostname, port }));
}

const badListens: Array<[string, string, RegExp]> = [
  ["parseListenAddress() rejects a missing port", "127.0.0.1", /expected host:port/],
  ["parseListenAddress() rejects an empty port", "127.0.0.1:", /port must be/],
  ["parseListenAddress() rejects port 65536", "127.0.0.1:65536", /port must be/],
  ["parseListenAddress() rejects a named port", "127.0.0.1:smtp", /port must be/],
  ["parseListenAddress() rejects IPv6 without brackets", "::1:25", /in brackets/],
  ["parseListenAddress() rejects brackets without a port", "[::1]", /\[IPv6 address\]:port/],
  ["parseListenAddress() rejects IPv4 in brackets", "[127.0.0.1]:25", /brackets must hold/],
  ["parseListenAddress() rejects a bad host", "bad host:25", /not a host name/],
  // The system resolver would read these as 127.0.0.8 and 127.0.0.1 (RFC 1123 2.1: no name).
  ["parseListenAddress() rejects IPv4 with a leading zero", "127.0.0.010:25", /not an IP address/],
  ["parseListenAddress() rejects a short IPv4 form", "127.1:25", /not an IP address/],
  ["parseListenAddress() rejects an IPv4 number above 255", "127.0.0.256:25", /not an IP/],
];
for (const [name, text, message] of badListens) {
  Deno.test(name, () => assert.throws(() => parseListenAddress(text), message));
}

Deno.test("parseHostPort() and parseRoute() reject IPv4 with leading zeros, not only for --dns-server", () => {
  assert.throws(() => parseHostPort("127.0.0.010:25"), /not an IP address/);
  assert.throws(() => parseHostPort("0x7f.1:25"), /not an IP address/);
  assert.throws(() => parseRoute("example.com=010.0.0.1:25"), /not an IP address/);
  assert.deepEqual(parseHostPort("mx1.example.com:25"), { hostname: "mx1.example.com", port: 25 });
  assert.deepEqual(parseHostPort("10.example:25"), { hostname: "10.example", port: 25 });
});

Deno.test("parseHostPort() rejects port 0 and a missing host", () => {
  assert.throws(() => parseHostPort("mail.example.com:0"), /port must be a number from 1/);
  assert.throws(() => parseHostPort(":25"), /host is missing/);
});

Deno.test("parseHostPort() with requireIp rejects a host name", () => {
  assert.deepEqual(parseHostPort("[::1]:53", { requireIp: true }), { hostname: "::1", port: 53 });
  assert.throws(() => parseHostPort("dns.example:53", { requireIp: true }), /not an IP/);
});

Deno.test("formatHostPort() brackets IPv6 so the result parses back", () => {
  assert.equal(formatHostPort({ hostname: "::1", port: 25 }), "[::1]:25");
  assert.equal(formatHostPort({ hostname: "0.0.0.0", port: 25 }), "0.0.0.0:25");
});

Deno.test("parseRoute() lowercases the domain and reads the next hop", () => {
  assert.deepEqual(parseRoute("Example.COM=mx.example.net:2525"), {
    domain: "example.com",
    hostname: "mx.example.net",
    port: 2525,
  });
  assert.deepEqual(parseRoute("x.test=[::1]:25"), { domain: "x.test", hostname: "::1", port: 25 });
});

Deno.test("parseRoute() and parseHostPort() keep Unicode names in A-labels (RFC 5891 4)", () => {
  assert.deepEqual(parseRoute("Bücher.test=relay.bücher.test:25"), {
    domain: "xn--bcher-kva.test",
    hostname: "relay.xn--bcher-kva.test",
    port: 25,
  });
  assert.deepEqual(parseHostPort("smart.bücher.test:587"), {
    hostname: "smart.xn--bcher-kva.test",
    port: 587,
  });
});

const badRoutes: Array<[string, string, RegExp]> = [
  [
    "parseRoute() rejects a Unicode domain without an A-label form",
    "a\u0300\u0301..x=mx:25",
    /is not a domain name/,
  ],
  ["parseRoute() rejects a missing =", "example.com", /expected domain=host:port/],
  ["parseRoute() rejects an empty domain", "=mx:25", /is not a domain name/],
  ["parseRoute() rejects a next hop without port", "example.com=mx", /expected host:port/],
];
for (const [name, text, message] of badRoutes) {
  Deno.test(name, () => assert.throws(() => parseRoute(text), message));
}
