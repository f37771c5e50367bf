/** Ids and random name parts: the shape callers put in file names, and no repeats. */
import assert from "node:assert/strict";
import { newCid, newId, newQid, randomHex } from "../../src/log/mod.ts";

Deno.test("randomHex: lowercase hex of the asked length", () => {
  for (const [bytes, length] of [[0, 0], [1, 2], [4, 8], [6, 12], [16, 32], [5000, 10000]]) {
    const hex = randomHex(bytes as number);
    assert.equal(hex.length, length, `randomHex(${bytes})`);
    assert.match(hex, /^[0-9a-f]*$/);
  }
});

Deno.test("randomHex: no repeats across many calls (and the system's random blocks)", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 20_000; i++) seen.add(randomHex(6)); // 120,000 bytes: ~30 blocks
  assert.equal(seen.size, 20_000);
  // Every byte value turns up: each call draws fresh bytes, none stuck at one value.
  const all = randomHex(64 * 1024);
  const values = new Set<string>();
  for (let i = 0; i < all.length; i += 2) values.add(all.slice(i, i + 2));
  assert.equal(values.size, 256);
});

Deno.test("newId, newQid, newCid: [0-9a-z], unique and in creation order", () => {
  const ids = Array.from({ length: 5000 }, () => newId());
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^[0-9a-z]+$/);
  assert.deepEqual([...ids].sort(), ids);
  assert.match(newQid(), /^[0-9a-z]+$/);
  assert.match(newCid(), /^c[0-9a-z]+$/);
});
