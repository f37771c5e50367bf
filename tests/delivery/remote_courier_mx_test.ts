/**
 * MX choice through the remote courier: the preference order, DNS failures,
 * and MX hosts that refuse (421 to STARTTLS, a 554 greeting). How a next hop
 * is named (IDN, literals, routes) is in remote_courier_hop_names_test.ts.
 */
import assert from "node:assert/strict";
import type { FakeZone } from "../e2e/fake_dns.ts";
import { startSink } from "../e2e/smtp_sink.ts";
import { startLineServer } from "./line_server.ts";
import { mxOutcome } from "./remote_courier_helpers.ts";

Deno.test("MX: the lowest preference that answers wins; a dead first MX falls back to the next", async () => {
  const sink = await startSink({}, 0);
  try {
    const zones = {
      "mx.test": {
        mx: [{ preference: 20, exchange: "b.mx.test" }, { preference: 10, exchange: "a.mx.test" }],
      },
      "a.mx.test": { a: ["127.0.0.9"] }, // nothing listens on 127.0.0.9
      "b.mx.test": { a: ["127.0.0.1"] },
    };
    const outcome = await mxOutcome(zones, "mx.test", sink.port);
    assert.equal(outcome.kind, "delivered");
    assert.ok(outcome.kind === "delivered" && /b\.mx\.test/.test(outcome.remoteMta ?? ""));
    assert.equal(sink.transactions.length, 1);
  } finally {
    await sink.close();
  }
});

const DNS_CASES: { name: string; zones: Record<string, FakeZone>; kind: string; status: string }[] =
  [
    {
      name: "a domain without MX is tried at its own A record",
      zones: { "plain.test": { a: ["127.0.0.1"] } },
      kind: "delivered",
      status: "",
    },
    {
      name: "a null MX fails permanently with 5.1.10",
      zones: { "plain.test": { mx: [{ preference: 0, exchange: "." }] } },
      kind: "permanent",
      status: "5.1.10",
    },
    { name: "NXDOMAIN fails permanently", zones: {}, kind: "permanent", status: "5.1.2" },
    {
      name: "SERVFAIL is transient",
      zones: { "plain.test": { rcode: "servfail" } },
      kind: "transient",
      status: "4.4.3",
    },
    {
      name: "an MX lookup that fails (SERVFAIL) is transient, not a reason to use the A record",
      zones: { "plain.test": { a: ["127.0.0.1"], rcodeFor: { MX: "servfail" } } },
      kind: "transient",
      status: "4.4.3",
    },
    {
      name:
        "an MX lookup the server refuses (REFUSED) is transient, not a reason to use the A record",
      zones: { "plain.test": { a: ["127.0.0.1"], rcodeFor: { MX: "refused" } } },
      kind: "transient",
      status: "4.4.3",
    },
    {
      name:
        "an MX lookup that fails (SERVFAIL) and whose second asking gets no answer is transient, not a reason to use the A record",
      zones: { "plain.test": { a: ["127.0.0.1"], rcodeFor: { MX: "servfail" }, answerLimit: 1 } },
      kind: "transient",
      status: "4.4.3",
    },
    {
      name:
        "a domain without MX and without A whose AAAA lookup fails (SERVFAIL) waits: it may have an IPv6 address",
      zones: { "plain.test": { aaaa: ["::1"], rcodeFor: { AAAA: "servfail" } } },
      kind: "transient",
      status: "4.4.3",
    },
    {
      name:
        "a domain without MX and without A whose AAAA lookup the server refuses (REFUSED) waits",
      zones: { "plain.test": { aaaa: ["::1"], rcodeFor: { AAAA: "refused" } } },
      kind: "transient",
      status: "4.4.3",
    },
    {
      name: "a domain without MX, A or AAAA records fails permanently with 5.1.2",
      zones: { "plain.test": {} },
      kind: "permanent",
      status: "5.1.2",
    },
    {
      name: "MX hosts that all do not exist (NXDOMAIN) fail permanently with 5.4.4",
      zones: {
        "plain.test": {
          mx: [{ preference: 10, exchange: "gone1.test" }, {
            preference: 20,
            exchange: "gone2.test",
          }],
        },
      },
      kind: "permanent",
      status: "5.4.4",
    },
    {
      name: "an MX host that does not exist next to one that exists without addresses is transient",
      zones: {
        "plain.test": {
          mx: [{ preference: 10, exchange: "gone.test" }, {
            preference: 20,
            exchange: "bare.test",
          }],
        },
        "bare.test": { mx: [{ preference: 0, exchange: "elsewhere.test" }] },
      },
      kind: "transient",
      status: "4.4.3",
    },
    {
      name:
        "an MX host with a fake A-label (xn--zz, which no resolver asks for) next to one that does not exist fails permanently with 5.4.4",
      zones: {
        "plain.test": {
          mx: [{ preference: 10, exchange: "xn--zz.plain.test" }, {
            preference: 20,
            exchange: "gone.test",
          }],
        },
        "xn--zz.plain.test": { a: ["127.0.0.1"] },
      },
      kind: "permanent",
      status: "5.4.4",
    },
    {
      name: "an MX host with a fake A-label is passed over for the next MX host",
      zones: {
        "plain.test": {
          mx: [{ preference: 10, exchange: "xn--zz.plain.test" }, {
            preference: 20,
            exchange: "good.test",
          }],
        },
        "good.test": { a: ["127.0.0.1"] },
      },
      kind: "delivered",
      status: "",
    },
    {
      name: "an MX host with a fake A-label next to one the DNS server fails on (SERVFAIL) waits",
      zones: {
        "plain.test": {
          mx: [{ preference: 10, exchange: "xn--zz.plain.test" }, {
            preference: 20,
            exchange: "sick.test",
          }],
        },
        "sick.test": { rcode: "servfail" },
      },
      kind: "transient",
      status: "4.4.3",
    },
    {
      name: "an MX host the DNS server fails on (SERVFAIL) keeps the mail waiting",
      zones: {
        "plain.test": { mx: [{ preference: 10, exchange: "sick.test" }] },
        "sick.test": { rcode: "servfail" },
      },
      kind: "transient",
      status: "4.4.3",
    },
    {
      name: "a DNS timeout is transient",
      zones: { "plain.test": { isSilent: true } },
      kind: "transient",
      status: "4.4.3",
    },
  ];
for (const { name, zones, kind, status } of DNS_CASES) {
  Deno.test(`MX: ${name}`, async () => {
    const sink = await startSink();
    try {
      const outcome = await mxOutcome(zones, "plain.test", sink.port);
      assert.equal(outcome.kind, kind, JSON.stringify(outcome));
      if (outcome.kind !== "delivered") assert.equal(outcome.status, status);
    } finally {
      await sink.close();
    }
  });
}

/** A server on 127.0.0.2:`port` that offers STARTTLS and answers it "421 ... closing". */
function startTlsRefuser(port: number) {
  return startLineServer({
    hostname: "127.0.0.2",
    port,
    greeting: "220 busy.test ESMTP",
    answer: (line) =>
      /^EHLO /i.test(line)
        ? { reply: "250-busy.test\n250 STARTTLS" }
        : /^STARTTLS/i.test(line)
        ? { reply: "421 4.3.2 Too busy to start TLS, closing", close: true }
        : {},
  });
}

Deno.test("MX: a 421 to STARTTLS ends that MX's session and the next MX gets the message (RFC 5321 3.8)", async () => {
  const sink = await startSink({}, 0);
  const refuser = startTlsRefuser(sink.port);
  try {
    const zones = {
      "mx.test": {
        mx: [{ preference: 10, exchange: "a.mx.test" }, { preference: 20, exchange: "b.mx.test" }],
      },
      "a.mx.test": { a: ["127.0.0.2"] },
      "b.mx.test": { a: ["127.0.0.1"] },
    };
    const outcome = await mxOutcome(zones, "mx.test", sink.port);
    assert.equal(outcome.kind, "delivered", JSON.stringify(outcome));
    assert.ok(outcome.kind === "delivered" && /b\.mx\.test/.test(outcome.remoteMta ?? ""));
    assert.equal(sink.transactions.length, 1);
  } finally {
    refuser.close();
    await sink.close();
  }
});

/** A server on 127.0.0.2:`port` that greets with 554 and closes after the client's QUIT. */
function startNoService(port: number) {
  return startLineServer({
    hostname: "127.0.0.2",
    port,
    greeting: "554 5.3.2 No SMTP service here",
    answer: (line) => /^QUIT/i.test(line) ? { reply: "221 2.0.0 bye", close: true } : {},
  });
}

const NO_SERVICE_CASES = [
  { name: "first, the second MX refusing connections", order: ["a", "dead"], kind: "transient" },
  { name: "second, the first MX refusing connections", order: ["dead", "a"], kind: "transient" },
  { name: "at both MX hosts", order: ["a", "a2"], kind: "permanent" },
];
for (const { name, order, kind } of NO_SERVICE_CASES) {
  Deno.test(`MX: a 554 greeting ${name}: the mail is ${kind}`, async () => {
    const greeter = startNoService(0);
    try {
      const address = { a: "127.0.0.2", a2: "127.0.0.2", dead: "127.0.0.9" } as const;
      const zones: Record<string, FakeZone> = {
        "mx.test": {
          mx: order.map((host, i) => ({ preference: 10 * (i + 1), exchange: `${host}.mx.test` })),
        },
      };
      for (const host of order) {
        zones[`${host}.mx.test`] = { a: [address[host as keyof typeof address]] };
      }
      const outcome = await mxOutcome(zones, "mx.test", greeter.port);
      if (outcome.kind === "delivered") throw new Error("delivered to a 554 greeting");
      assert.equal(outcome.kind, kind, JSON.stringify(outcome));
      assert.match(outcome.reason, /554/);
      assert.equal(outcome.status[0], kind === "transient" ? "4" : "5", outcome.status);
    } finally {
      greeter.close();
    }
  });
}
