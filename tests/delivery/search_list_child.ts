/**
 * Run by search_list_test.ts inside a user, mount and network namespace of
 * its own, where /etc/resolv.conf names a search domain (corp.example, with
 * ndots:5) and a fake DNS server on 127.0.0.1:53. Resolves each domain given
 * on the command line with the system resolver and prints the resolutions as
 * one JSON object.
 */
import { NextHopResolver, planHop } from "../../src/delivery/mod.ts";
import { startFakeDns } from "../e2e/fake_dns.ts";

const GOOD = "127.0.0.1";
const WRONG = "127.0.0.66";
const dns = await startFakeDns({
  "d.test": { mx: [{ preference: 10, exchange: "mx.d.test" }] },
  "mx.d.test": { a: [GOOD] },
  "plain.test": { a: [GOOD] },
  // What a wildcard (or a namesake) under the search domain answers.
  "d.test.corp.example": { mx: [{ preference: 10, exchange: "mx.d.test" }] },
  "mx.d.test.corp.example": { a: [WRONG] },
  "plain.test.corp.example": { a: [WRONG] },
}, { port: 53 });
const options = { routes: [], smarthost: null, dnsServer: null, mxPort: 25, dnsTimeoutMs: 3000 };
const resolver = new NextHopResolver(options);
const results: Record<string, unknown> = {};
for (const domain of Deno.args) results[domain] = await resolver.resolve(planHop(domain, options));
console.log(JSON.stringify({ results, questions: dns.questions }));
await dns.close();
