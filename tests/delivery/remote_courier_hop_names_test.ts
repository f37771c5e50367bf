/**
 * How the remote courier names a next hop: a domain in U-labels and an IDN
 * MX host by their A-labels, names DNS cannot be asked for, address literals
 * (no DNS lookup), and --route and smarthost names.
 */
import assert from "node:assert/strict";
import { NextHopResolver, planHop } from "../../src/delivery/mod.ts";
import { type FakeZone, startFakeDns } from "../e2e/fake_dns.ts";
import { startSink } from "../e2e/smtp_sink.ts";
import { MESSAGE, mxOutcome, queued, routedCourier } from "./remote_courier_helpers.ts";

// The resolver asks for a U-label domain by its A-labels (IDNA): so must every other question.
const IDN_CASES: { name: string; zone: FakeZone; kind: string; status: string }[] = [
  {
    name: "without MX is tried at the A record of its A-label form",
    zone: { a: ["127.0.0.1"] },
    kind: "delivered",
    status: "",
  },
  {
    name: "whose server fails (SERVFAIL) waits, it is not bounced as nonexistent",
    zone: { rcode: "servfail" },
    kind: "transient",
    status: "4.4.3",
  },
];
for (const { name, zone, kind, status } of IDN_CASES) {
  Deno.test(`MX: a domain in U-labels (bücher.test) ${name}`, async () => {
    const sink = await startSink({ smtputf8: true });
    try {
      const outcome = await mxOutcome({ "xn--bcher-kva.test": zone }, "bücher.test", sink.port);
      assert.equal(outcome.kind, kind, JSON.stringify(outcome));
      if (outcome.kind !== "delivered") assert.equal(outcome.status, status);
      else {
        assert.equal(sink.transactions.length, 1);
        // The hop's name for SNI and the DSN's Remote-MTA (both ASCII) is the A-labels.
        assert.equal(outcome.remoteMta, "xn--bcher-kva.test [127.0.0.1]");
      }
    } finally {
      await sink.close();
    }
  });
}

Deno.test("MX: an IDN MX host is named by its A-labels (SNI, Remote-MTA), as DNS spells it", async () => {
  const sink = await startSink();
  try {
    const zones = {
      "mx.test": { mx: [{ preference: 10, exchange: "mx.xn--bcher-kva.test" }] },
      "mx.xn--bcher-kva.test": { a: ["127.0.0.1"] },
    };
    const outcome = await mxOutcome(zones, "mx.test", sink.port);
    assert.deepEqual(outcome, {
      kind: "delivered",
      remoteMta: "mx.xn--bcher-kva.test [127.0.0.1]",
    });
  } finally {
    await sink.close();
  }
});

Deno.test("MX: a domain whose A-label form has a label over 63 octets fails 5.1.2, not 4.4.3 until it expires", async () => {
  const outcome = await mxOutcome({}, "한中ψżあ€żłğøहşż中şşşџжア한ψжაçџö.example", 9);
  assert.equal(outcome.kind, "permanent", JSON.stringify(outcome));
  if (outcome.kind === "permanent") assert.equal(outcome.status, "5.1.2");
});

// "xn--zz" is an LDH label but no A-label (RFC 5890 2.3.2.1: it decodes to nothing valid):
// the resolver refuses to ask DNS for it, on every retry, so the mail can only ever bounce.
// Nor is a U-label name whose IDNA mapping is no LDH name ("a\u00a0b" -> "a b"), queued
// before the parser refused such domains.
for (const domain of ["xn--zz.test", "mail.XN--A.test", "xn--bcher-kva9.test", "a\u00a0b.test"]) {
  Deno.test(`MX: a domain DNS cannot be asked for (${domain}) fails 5.1.2 at once, not 4.4.3 until it expires`, async () => {
    const outcome = await mxOutcome({ [domain]: { a: ["127.0.0.1"] } }, domain, 9);
    assert.equal(outcome.kind, "permanent", JSON.stringify(outcome));
    if (outcome.kind === "permanent") assert.equal(outcome.status, "5.1.2");
  });
}

Deno.test("MX: an address literal is delivered to that address, without a DNS lookup", async () => {
  const sink = await startSink();
  try {
    // The fake DNS knows nothing: any lookup would fail (NXDOMAIN).
    const outcome = await mxOutcome({}, "[127.0.0.1]", sink.port);
    assert.deepEqual(outcome, { kind: "delivered", remoteMta: "127.0.0.1" });
    assert.deepEqual(sink.transactions[0]?.rcpts, ["x@[127.0.0.1]"]);
  } finally {
    await sink.close();
  }
});

const LITERAL_CASES: { domain: string; address: string | null }[] = [
  { domain: "[192.0.2.1]", address: "192.0.2.1" },
  { domain: "[IPv6:2001:db8::1]", address: "2001:db8::1" },
  { domain: "[ipv6:::1]", address: "::1" },
  // RFC 5321 4.1.3: Snum is a decimal number ("010" is ten); the system resolver reads octal.
  { domain: "[127.0.0.010]", address: "127.0.0.10" },
  { domain: "[127.000.000.001]", address: "127.0.0.1" },
  { domain: "[IPv6:::ffff:127.0.0.010]", address: "::ffff:127.0.0.10" },
  { domain: "[x-tag:whatever]", address: null },
];
for (const { domain, address } of LITERAL_CASES) {
  Deno.test(`NextHopResolver.resolve() takes ${domain} as ${address ?? "a permanent failure"}`, async () => {
    const resolver = new NextHopResolver({
      routes: [],
      smarthost: null,
      dnsServer: null,
      mxPort: 25,
    });
    const resolution = await resolver.resolve(planHop(domain, {
      routes: [],
      smarthost: null,
      dnsServer: null,
      mxPort: 25,
    }));
    if (address === null) assert.equal(resolution.kind, "permanent");
    else {
      assert.deepEqual(resolution, {
        kind: "targets",
        targets: [{ name: address, address, port: 25 }],
      });
    }
  });
}

// A domain has two spellings (RFC 5890): the --route, written in A-labels (flags take
// LDH names only), is the next hop for mail written to either, and DNS is never asked.
const ROUTE_SPELLINGS = ["bücher.test", "BÜCHER.test", "xn--bcher-kva.test", "XN--BCHER-KVA.TEST"];
for (const domain of ROUTE_SPELLINGS) {
  Deno.test(`a --route for xn--bcher-kva.test carries mail for x@${domain}`, async () => {
    const sink = await startSink({ smtputf8: true });
    const dns = await startFakeDns({}); // every name is NXDOMAIN: a DNS answer would bounce
    const courier = routedCourier(sink.port, {
      routes: [{ domain: "xn--bcher-kva.test", hostname: "127.0.0.1", port: sink.port }],
      dnsServer: { hostname: "127.0.0.1", port: dns.port },
      dnsTimeoutMs: 1500,
    });
    try {
      const rcpt = `x@${domain}`;
      const outcome = (await courier.deliver(queued(MESSAGE, [rcpt]), [rcpt])).get(rcpt)!;
      assert.equal(outcome.kind, "delivered", JSON.stringify(outcome));
      assert.deepEqual(sink.transactions.map((tx) => tx.rcpts), [[rcpt]]);
      assert.deepEqual(dns.questions, []);
    } finally {
      await courier.close();
      await dns.close();
      await sink.close();
    }
  });
}

// A route or smarthost is this host's own configuration, not the recipient's domain: a name
// of it that DNS does not know (a typo, or a zone being reloaded) says nothing about the
// recipient, so every message waits for it to be fixed instead of bouncing at once.
const CONFIGURED_HOPS: { name: string; overrides: (port: number) => object }[] = [
  {
    name: "smarthost",
    overrides: (port) => ({ routes: [], smarthost: { hostname: "relay.test", port } }),
  },
  {
    name: "--route",
    overrides: (port) => ({ routes: [{ domain: "remote.test", hostname: "relay.test", port }] }),
  },
];
for (const { name, overrides } of CONFIGURED_HOPS) {
  Deno.test(`a ${name} whose host name does not exist (NXDOMAIN) keeps the mail waiting, then delivers it once the name exists`, async () => {
    const sink = await startSink();
    const dns = await startFakeDns({});
    const courier = routedCourier(sink.port, {
      smarthostTls: "none",
      ...overrides(sink.port),
      dnsServer: { hostname: "127.0.0.1", port: dns.port },
      dnsTimeoutMs: 1500,
    });
    try {
      const rcpt = "x@remote.test";
      const first = (await courier.deliver(queued(MESSAGE, [rcpt]), [rcpt])).get(rcpt)!;
      assert.equal(first.kind, "transient", JSON.stringify(first));
      dns.set("relay.test", { a: ["127.0.0.1"] });
      const second = (await courier.deliver(queued(MESSAGE, [rcpt]), [rcpt])).get(rcpt)!;
      assert.equal(second.kind, "delivered", JSON.stringify(second));
    } finally {
      await courier.close();
      await dns.close();
      await sink.close();
    }
  });
}
