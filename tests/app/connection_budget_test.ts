import assert from "node:assert/strict";
import { planConnections } from "../../src/app/connection_budget.ts";
import { DESCRIPTORS_BESIDES_SESSIONS } from "../../src/app/descriptor_budget.ts";

const CASES = [
  {
    name: "with descriptors for every listener's limit and more, the listeners' own limits stand",
    input: { free: 1024 + DESCRIPTORS_BESIDES_SESSIONS + 100, ceiling: 1024, listeners: 4 },
    expected: { sessionLimit: 1024, spare: 100, deliveries: 16, outboundConnections: 50 },
  },
  {
    name: "with 1,000 free for seven listeners of 256, the sessions share what the spool leaves",
    input: { free: 1000, ceiling: 1792, listeners: 7 },
    expected: { sessionLimit: 1000 - 224 - 23, spare: 23, deliveries: 16, outboundConnections: 16 },
  },
  {
    name:
      "with 43 free, half is left to the spool and deliveries, the rest shared by the listeners",
    input: { free: 43, ceiling: 1792, listeners: 7 },
    expected: { sessionLimit: 12, spare: 9, deliveries: 2, outboundConnections: 2 },
  },
  {
    name: "with almost nothing free, one session still",
    input: { free: 6, ceiling: 1024, listeners: 4 },
    expected: { sessionLimit: 1, spare: 6, deliveries: 1, outboundConnections: 1 },
  },
  {
    name: "when the free descriptors are unknown, there is no limit of ours",
    input: { free: null, ceiling: 1024, listeners: 4 },
    expected: { sessionLimit: Infinity, spare: 0, deliveries: 16, outboundConnections: 50 },
  },
];

for (const { name, input, expected } of CASES) {
  Deno.test(`connection plan: ${name}`, () => {
    assert.deepEqual(planConnections(input), expected);
  });
}

Deno.test("connection plan: sessions, spare and the spool's half never exceed what is free when short", () => {
  for (let free = 40; free < 2000; free += 37) {
    const plan = planConnections({ free, ceiling: 1792, listeners: 7 });
    const spool = Math.min(DESCRIPTORS_BESIDES_SESSIONS, Math.ceil(free / 2));
    assert.ok(plan.sessionLimit + plan.spare + spool <= free, `free=${free}`);
  }
});
