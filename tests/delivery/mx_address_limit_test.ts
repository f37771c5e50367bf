/** One attempt tries a bounded number of MX addresses (RFC 5321 5.1), however many MX hosts a domain lists. */
import assert from "node:assert/strict";
import {
  MAX_ADDRESSES_PER_ATTEMPT,
  NextHopResolver,
  planHop,
} from "../../src/delivery/next_hop.ts";
import { type FakeZone, startFakeDns } from "../e2e/fake_dns.ts";

async function resolveWith(zones: Record<string, FakeZone>, domain: string) {
  const dns = await startFakeDns(zones);
  const options = {
    routes: [],
    smarthost: null,
    dnsServer: { hostname: "127.0.0.1", port: dns.port },
    mxPort: 25,
  };
  try {
    const resolution = await new NextHopResolver(options).resolve(planHop(domain, options));
    return { resolution, questions: [...dns.questions] };
  } finally {
    await dns.close();
  }
}

Deno.test("MX: a domain listing 200 MX hosts gives one attempt the best few addresses, asking DNS about those hosts only", async () => {
  const zones: Record<string, FakeZone> = { "many.test": { mx: [] } };
  for (let i = 0; i < 200; i++) {
    zones["many.test"]!.mx!.push({ preference: i, exchange: `mx${i}.many.test` });
    zones[`mx${i}.many.test`] = { a: [`127.1.${i >> 8}.${i & 255}`] };
  }
  const { resolution, questions } = await resolveWith(zones, "many.test");
  assert.equal(resolution.kind, "targets");
  assert.ok(resolution.kind === "targets");
  assert.ok(MAX_ADDRESSES_PER_ATTEMPT >= 2, "RFC 5321 5.1: at least two addresses");
  assert.deepEqual(
    resolution.targets.map((t) => t.name),
    Array.from({ length: MAX_ADDRESSES_PER_ATTEMPT }, (_, i) => `mx${i}.many.test`),
  );
  const hostsAsked = new Set(
    questions.filter((q) => /^(A|AAAA) /.test(q)).map((q) => q.split(" ")[1]!.replace(/\.$/, "")),
  );
  assert.equal(hostsAsked.size, MAX_ADDRESSES_PER_ATTEMPT);
});

Deno.test("MX: a host with many addresses fills the attempt's limit; later MX hosts are not asked about", async () => {
  const addresses = Array.from({ length: 30 }, (_, i) => `127.2.0.${i + 1}`);
  const { resolution, questions } = await resolveWith({
    "wide.test": {
      mx: [{ preference: 10, exchange: "a.wide.test" }, {
        preference: 20,
        exchange: "b.wide.test",
      }],
    },
    "a.wide.test": { a: addresses },
    "b.wide.test": { a: ["127.3.0.1"] },
  }, "wide.test");
  assert.ok(resolution.kind === "targets");
  assert.equal(resolution.targets.length, MAX_ADDRESSES_PER_ATTEMPT);
  assert.ok(resolution.targets.every((t) => t.name === "a.wide.test"));
  assert.ok(!questions.some((q) => q.includes("b.wide.test")), questions.join(", "));
});

Deno.test("MX: fewer addresses than the limit are all tried, in preference order", async () => {
  const { resolution } = await resolveWith({
    "few.test": {
      mx: [{ preference: 20, exchange: "b.few.test" }, { preference: 10, exchange: "a.few.test" }],
    },
    "a.few.test": { a: ["127.4.0.1"], aaaa: ["::1"] },
    "b.few.test": { a: ["127.4.0.2"] },
  }, "few.test");
  assert.ok(resolution.kind === "targets");
  assert.deepEqual(resolution.targets.map((t) => t.address), ["127.4.0.1", "::1", "127.4.0.2"]);
});
