/**
 * selfPreferenceByName finds this host among MX names in any spelling of its
 * name (RFC 5321 5.1: "any of the names ... by which it might be known").
 */
import assert from "node:assert/strict";
import { selfPreferenceByName } from "../../src/delivery/mx_loop.ts";

const ENTRIES = [
  { exchange: "mx1.other.test", preference: 5 },
  { exchange: "MX.Self.Test.", preference: 20 },
  { exchange: "mx.xn--bcher-kva.test", preference: 10 },
];

Deno.test("selfPreferenceByName: case and a trailing root dot do not hide this host", () => {
  assert.equal(selfPreferenceByName(ENTRIES, { localNames: ["mx.self.test"] }), 20);
  assert.equal(selfPreferenceByName(ENTRIES, { localNames: ["mx.self.test."] }), 20);
});

Deno.test("selfPreferenceByName: a name in U-labels matches its A-labels (RFC 5890)", () => {
  assert.equal(selfPreferenceByName(ENTRIES, { localNames: ["mx.bücher.test"] }), 10);
});

Deno.test("selfPreferenceByName: the lowest preference this host is listed at counts", () => {
  const twice = [...ENTRIES, { exchange: "mx.self.test", preference: 7 }];
  assert.equal(selfPreferenceByName(twice, { localNames: ["mx.self.test"] }), 7);
  assert.equal(selfPreferenceByName(ENTRIES, { localNames: ["elsewhere.test"] }), null);
});
