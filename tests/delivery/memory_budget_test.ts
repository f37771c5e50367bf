/** MemoryBudget: big messages in flight are held to a byte limit; small ones are not counted. */
import assert from "node:assert/strict";
import { MemoryBudget, UNCOUNTED_MESSAGE_BYTES } from "../../src/delivery/memory_budget.ts";

const MB = 1024 * 1024;

const cases: { name: string; limit: number; sizes: number[]; granted: boolean[] }[] = [
  {
    name: "small messages are never held back",
    limit: MB,
    sizes: [UNCOUNTED_MESSAGE_BYTES, 5, 100_000],
    granted: [true, true, true],
  },
  {
    name: "big messages fit until the limit",
    limit: 3 * MB,
    sizes: [MB, MB, MB, MB],
    granted: [true, true, true, false],
  },
  {
    name: "a message bigger than the limit goes alone",
    limit: MB,
    sizes: [5 * MB, MB],
    granted: [true, false],
  },
  {
    name: "nothing big in flight: the biggest goes",
    limit: MB,
    sizes: [UNCOUNTED_MESSAGE_BYTES, 40 * MB],
    granted: [true, true],
  },
  {
    name: "one byte over the uncounted size counts",
    limit: UNCOUNTED_MESSAGE_BYTES + 1,
    sizes: [UNCOUNTED_MESSAGE_BYTES + 1, UNCOUNTED_MESSAGE_BYTES + 1],
    granted: [true, false],
  },
];

for (const { name, limit, sizes, granted } of cases) {
  Deno.test(`MemoryBudget: ${name}`, () => {
    const budget = new MemoryBudget(limit, () => {});
    assert.deepEqual(sizes.map((size) => budget.tryTake(size) !== null), granted);
  });
}

Deno.test("MemoryBudget: a release gives the room back once, and says so", () => {
  let freed = 0;
  const budget = new MemoryBudget(2 * MB, () => freed++);
  const first = budget.tryTake(2 * MB)!;
  assert.equal(budget.tryTake(MB), null);
  first();
  first(); // a second call changes nothing
  assert.equal(freed, 1);
  assert.equal(budget.usedBytes, 0);
  assert.ok(budget.tryTake(MB) !== null);
  assert.equal(budget.usedBytes, MB);
});
