import assert from "node:assert/strict";
import { AddressCounts, perAddressLimit } from "../../src/net/address_counts.ts";

Deno.test("AddressCounts lets an address hold its limit, then refuses it until one closes", () => {
  const counts = new AddressCounts({ limit: 2, isExempt: () => false });
  const first = counts.claim("192.0.2.1");
  const second = counts.claim("192.0.2.1");
  assert.ok(first !== null && second !== null);
  assert.equal(counts.claim("192.0.2.1"), null);
  assert.notEqual(counts.claim("192.0.2.2"), null, "another address is counted apart");
  counts.release(first);
  assert.notEqual(counts.claim("192.0.2.1"), null);
});

const SAME_CLIENT: { name: string; ips: [string, string]; isSame: boolean }[] = [
  {
    name: "an IPv4-mapped address counts as its IPv4",
    ips: ["::ffff:192.0.2.1", "192.0.2.1"],
    isSame: true,
  },
  {
    name: "two addresses of one IPv6 /64",
    ips: ["2001:db8:1:2::1", "2001:db8:1:2:ffff::9"],
    isSame: true,
  },
  { name: "two IPv6 /64s", ips: ["2001:db8:1:2::1", "2001:db8:1:3::1"], isSame: false },
  { name: "two IPv4 addresses", ips: ["192.0.2.1", "192.0.2.10"], isSame: false },
];
for (const { name, ips, isSame } of SAME_CLIENT) {
  Deno.test(`AddressCounts: ${name} ${isSame ? "share" : "do not share"} a count`, () => {
    const counts = new AddressCounts({ limit: 1, isExempt: () => false });
    assert.notEqual(counts.claim(ips[0]), null);
    assert.equal(counts.claim(ips[1]) === null, isSame);
  });
}

Deno.test("AddressCounts never limits an exempt address, and forgets an address with nothing open", () => {
  const counts = new AddressCounts({ limit: 1, isExempt: (ip) => ip === "127.0.0.1" });
  const keys = Array.from({ length: 5 }, () => counts.claim("127.0.0.1"));
  assert.ok(keys.every((key) => key !== null));
  for (const key of keys) counts.release(key!);
  const key = counts.claim("192.0.2.1")!;
  assert.equal(counts.size, 1);
  counts.release(key);
  assert.equal(counts.size, 0);
});

Deno.test("perAddressLimit() is a quarter of the listener's limit, at least one", () => {
  assert.equal(perAddressLimit(256), 64);
  assert.equal(perAddressLimit(8), 2);
  assert.equal(perAddressLimit(3), 1);
  assert.equal(perAddressLimit(1), 1);
});
