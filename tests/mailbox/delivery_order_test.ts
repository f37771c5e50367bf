import assert from "node:assert/strict";
import { inDeliveryOrder } from "../../src/mailbox/delivery_order.ts";

const cases: { name: string; bases: string[]; expected: string[] }[] = [
  {
    name: "Dovecot's unpadded microseconds in one second: 999 before 100000",
    bases: ["1764283000.M100000P7.host", "1764283000.M999P7.host"],
    expected: ["1764283000.M999P7.host", "1764283000.M100000P7.host"],
  },
  {
    name: "seconds of different lengths compare as numbers",
    bases: ["1000000000.M1P1.h", "999999999.M1P1.h"],
    expected: ["999999999.M1P1.h", "1000000000.M1P1.h"],
  },
  {
    name: "seconds first, microseconds second",
    bases: ["20.M1P1.h", "10.M900000P1.h", "20.M0P1.h"],
    expected: ["10.M900000P1.h", "20.M0P1.h", "20.M1P1.h"],
  },
  {
    name: "ours (six digits, then the Q count): one microsecond, by count as a number",
    bases: ["5.M000001P9Q2R0a.h,S=3", "5.M000001P9Q10R0b.h,S=3", "5.M000001P9Q1R0c.h,S=3"],
    expected: ["5.M000001P9Q1R0c.h,S=3", "5.M000001P9Q2R0a.h,S=3", "5.M000001P9Q10R0b.h,S=3"],
  },
  {
    name: "qmail names (no M part) come before timed ones of the same second",
    bases: ["7.M5P1.h", "7.123.h"],
    expected: ["7.123.h", "7.M5P1.h"],
  },
  {
    name: "names without a leading time go last, by name",
    bases: ["zeta", "3.M1P1.h", "alpha", "1.M1P1.h"],
    expected: ["1.M1P1.h", "3.M1P1.h", "alpha", "zeta"],
  },
  { name: "nothing", bases: [], expected: [] },
];

for (const { name, bases, expected } of cases) {
  Deno.test(`inDeliveryOrder: ${name}`, () => {
    assert.deepEqual(inDeliveryOrder(bases, (base) => base), expected);
  });
}

Deno.test("inDeliveryOrder keeps the items, not only their names", () => {
  const files = [{ base: "2.M1P1.h", n: 1 }, { base: "1.M1P1.h", n: 2 }];
  assert.deepEqual(inDeliveryOrder(files, (file) => file.base).map((file) => file.n), [2, 1]);
});
