/** The order MX hosts are tried in (RFC 5321 5.1). */
import assert from "node:assert/strict";
import { orderMx } from "../../src/delivery/mod.ts";

/** A stand-in for Math.random giving `values` in turn. */
function sequence(...values: number[]): () => number {
  let next = 0;
  return () => values[next++ % values.length]!;
}

Deno.test("orderMx: the lowest preference first, compared as numbers", () => {
  assert.deepEqual(orderMx(["100 c.test", "20 b.test", "5 a.test"], sequence(0.5)), [
    "a.test",
    "b.test",
    "c.test",
  ]);
});

Deno.test("orderMx: hosts of one preference are put in the random source's order (RFC 5321 5.1: MUST randomize)", () => {
  const records = ["10 a.test", "10 b.test", "20 c.test"];
  assert.deepEqual(orderMx(records, sequence(0.9, 0.1, 0.5)), ["b.test", "a.test", "c.test"]);
  assert.deepEqual(orderMx(records, sequence(0.1, 0.9, 0.5)), ["a.test", "b.test", "c.test"]);
});

Deno.test("orderMx: a host listed twice is tried once, at its lower preference", () => {
  assert.deepEqual(orderMx(["30 a.test", "20 b.test", "10 a.test"], sequence(0.5)), [
    "a.test",
    "b.test",
  ]);
});
