/** ownListenerTest: which address:port is this server's own SMTP listener (MX loop detection). */
import assert from "node:assert/strict";
import { ownListenerTest } from "../../src/app/outbound_options.ts";

const CASES: [string, { hostname: string; port: number }, string, number, boolean][] = [
  ["the bound address and port", { hostname: "127.0.0.1", port: 2525 }, "127.0.0.1", 2525, true],
  ["another port on that address", { hostname: "127.0.0.1", port: 2525 }, "127.0.0.1", 25, false],
  ["another address", { hostname: "127.0.0.1", port: 2525 }, "127.0.0.2", 2525, false],
  ["any loopback address under 0.0.0.0", { hostname: "0.0.0.0", port: 25 }, "127.0.0.2", 25, true],
  ["::1 under ::", { hostname: "::", port: 25 }, "::1", 25, true],
  ["an IPv4-mapped address", { hostname: "127.0.0.1", port: 25 }, "::ffff:127.0.0.1", 25, true],
  ["a far address under 0.0.0.0", { hostname: "0.0.0.0", port: 25 }, "192.0.2.1", 25, false],
  [
    "anything before the listener is bound",
    { hostname: "0.0.0.0", port: 0 },
    "127.0.0.1",
    0,
    false,
  ],
];
for (const [name, listener, address, port, expected] of CASES) {
  Deno.test(`ownListenerTest: ${name} is ${expected ? "" : "not "}ours`, () => {
    assert.equal(ownListenerTest(() => listener)(address, port), expected);
  });
}
