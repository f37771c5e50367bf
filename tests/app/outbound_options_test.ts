/** The outbound courier's settings built in app/: timeouts, and which listener is our own. */
import assert from "node:assert/strict";
import { clientTimeouts, ownListenerTest } from "../../src/app/outbound_options.ts";
import { RFC_TIMEOUTS } from "../../src/smtp_client/mod.ts";

Deno.test("--remote-smtp-timeout caps each wait: shorter waits get the cap, longer ones keep the RFC's", () => {
  assert.equal(clientTimeouts(0), undefined);
  const short = clientTimeouts(30_000)!;
  for (const key of Object.keys(RFC_TIMEOUTS) as (keyof typeof RFC_TIMEOUTS)[]) {
    assert.equal(short[key], 30_000, key);
  }
  // 15 minutes is above every RFC 5321 4.5.3.2 value: a cap does not lengthen any of them.
  assert.deepEqual(clientTimeouts(15 * 60_000), RFC_TIMEOUTS);
  const fourMinutes = clientTimeouts(4 * 60_000)!;
  assert.equal(fourMinutes.dataInitMs, 2 * 60_000);
  assert.equal(fourMinutes.dataBlockMs, 3 * 60_000);
  assert.equal(fourMinutes.greetingMs, 4 * 60_000);
});

const CASES: [string, { hostname: string; port: number }, string, number, boolean][] = [
  ["the bound address and port", { hostname: "127.0.0.1", port: 2525 }, "127.0.0.1", 2525, true],
  ["another port on that address", { hostname: "127.0.0.1", port: 2525 }, "127.0.0.1", 25, false],
  ["another address", { hostname: "127.0.0.1", port: 2525 }, "127.0.0.2", 2525, false],
  ["any loopback address under 0.0.0.0", { hostname: "0.0.0.0", port: 25 }, "127.0.0.2", 25, true],
  ["::1 under ::", { hostname: "::", port: 25 }, "::1", 25, true],
  ["an IPv4-mapped address", { hostname: "127.0.0.1", port: 25 }, "::ffff:127.0.0.1", 25, true],
  ["a far address under 0.0.0.0", { hostname: "0.0.0.0", port: 25 }, "192.0.2.1", 25, false],
  ["0.0.0.0 (it reaches loopback)", { hostname: "127.0.0.1", port: 25 }, "0.0.0.0", 25, true],
  ["0.0.0.0 under 0.0.0.0", { hostname: "0.0.0.0", port: 25 }, "0.0.0.0", 25, true],
  [":: (it reaches ::1)", { hostname: "::1", port: 25 }, "::", 25, true],
  ["0:0:0:0:0:0:0:0 under ::", { hostname: "::", port: 25 }, "0:0:0:0:0:0:0:0", 25, true],
  ["0.0.0.0 on another port", { hostname: "127.0.0.1", port: 25 }, "0.0.0.0", 26, false],
  ["::1 with every zero written", { hostname: "::1", port: 25 }, "0:0:0:0:0:0:0:1", 25, true],
  ["::1 written [0::0:1]", { hostname: "::1", port: 25 }, "[0::0:1]", 25, true],
  ["::1 under a listener written [0::1]", { hostname: "0::1", port: 25 }, "::1", 25, true],
  ["127.0.0.1 IPv4-mapped in hex", { hostname: "127.0.0.1", port: 25 }, "::ffff:7f00:1", 25, true],
  [
    "127.0.0.1 IPv4-mapped with every zero written",
    { hostname: "127.0.0.1", port: 25 },
    "0:0:0:0:0:ffff:127.0.0.1",
    25,
    true,
  ],
  ["::2 under ::1", { hostname: "::1", port: 25 }, "0:0:0:0:0:0:0:2", 25, false],
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

Deno.test("ownListenerTest lists the host's interfaces at most once a second, not for every far target of every message", () => {
  // A listener on every interface and a smarthost (or MX) on its port, as `--submission-listen
  // :587 --smarthost relay.example:587` has it: each message's targets are tested before it
  // goes. Listing the interfaces is a dozen system calls and ~40 us on the one thread.
  let listings = 0;
  let nowMs = 1_000_000;
  const isOwn = ownListenerTest(() => ({ hostname: "0.0.0.0", port: 587 }), {
    now: () => nowMs,
    interfaces: () => {
      listings++;
      return [{ address: "192.0.2.7" }];
    },
  });
  for (let message = 0; message < 100; message++) {
    assert.equal(isOwn("198.51.100.1", 587), false);
    assert.equal(isOwn("192.0.2.7", 587), true);
  }
  assert.equal(listings, 1);
  nowMs += 1_000; // an address the host has gained since is seen a second later
  assert.equal(isOwn("198.51.100.1", 587), false);
  assert.equal(listings, 2);
});
