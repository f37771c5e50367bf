import assert from "node:assert/strict";
import {
  DESCRIPTORS_BESIDES_SESSIONS,
  descriptorWarning,
  freeDescriptors,
} from "../../src/app/descriptor_budget.ts";

const WARN_CASES: {
  name: string;
  sessions: number;
  free: number | null;
  isWarned: boolean;
}[] = [
  {
    name: "defaults (4 x 256) with 1000 descriptors free are warned about",
    sessions: 1024,
    free: 1000,
    isWarned: true,
  },
  {
    name: "sessions plus the rest exactly at the limit fit",
    sessions: 1024,
    free: 1024 + DESCRIPTORS_BESIDES_SESSIONS,
    isWarned: false,
  },
  {
    name: "one short is warned about",
    sessions: 1024,
    free: 1024 + DESCRIPTORS_BESIDES_SESSIONS - 1,
    isWarned: true,
  },
  { name: "a generous limit is fine", sessions: 1024, free: 524288, isWarned: false },
  { name: "an unknown limit says nothing", sessions: 1024, free: null, isWarned: false },
  { name: "no listeners need only the rest", sessions: 0, free: 300, isWarned: false },
];

for (const { name, sessions, free, isWarned } of WARN_CASES) {
  Deno.test(`descriptorWarning: ${name}`, () => {
    const warning = descriptorWarning({ sessions, maxConnections: 256, free });
    assert.equal(warning !== null, isWarned, String(warning));
    if (warning !== null) {
      assert.match(warning, new RegExp(`only ${free} more files`));
      const short = sessions + DESCRIPTORS_BESIDES_SESSIONS - free!;
      assert.match(warning, new RegExp(`by at least ${short} `));
      assert.match(warning, /--max-connections=256/);
    }
  });
}

Deno.test("freeDescriptors counts up to what it is asked for and gives them all back", () => {
  assert.equal(freeDescriptors(10), 10);
  assert.equal(freeDescriptors(10), 10);
});
