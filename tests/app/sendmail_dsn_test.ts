/** sendmail -N, -R and -V (RFC 3461 5.3), as kept for the queue. */
import assert from "node:assert/strict";
import { dsnOption } from "../../src/app/sendmail_dsn.ts";

const cases: {
  name: string;
  letter: "N" | "R" | "V";
  value: string;
  expected: Record<string, unknown> | "error";
}[] = [
  {
    name: "-N with spaces after the commas",
    letter: "N",
    value: "success, delay",
    expected: { notify: ["SUCCESS", "DELAY"] },
  },
  { name: "-N never", letter: "N", value: "never", expected: { notify: ["NEVER"] } },
  { name: "-N never with another word", letter: "N", value: "never,success", expected: "error" },
  { name: "-R hdrs", letter: "R", value: "hdrs", expected: { ret: "HDRS" } },
  { name: "-R with another word", letter: "R", value: "all", expected: "error" },
  { name: "-V kept as xtext", letter: "V", value: "job 42+x", expected: { envid: "job+2042+2Bx" } },
  {
    name: "-V of 100 characters",
    letter: "V",
    value: "v".repeat(100),
    expected: { envid: "v".repeat(100) },
  },
  { name: "-V of 101 characters", letter: "V", value: "v".repeat(101), expected: "error" },
  // Each "+" is three characters as xtext: 34 of them are 102, past RFC 3461 4.4's 100.
  {
    name: "-V of 34 pluses, over 100 as xtext",
    letter: "V",
    value: "+".repeat(34),
    expected: "error",
  },
  { name: "-V with a tab", letter: "V", value: "a\tb", expected: "error" },
  { name: "-V with a non-ASCII character", letter: "V", value: "jörg", expected: "error" },
  { name: "-V empty", letter: "V", value: "", expected: "error" },
];
for (const c of cases) {
  Deno.test(`dsnOption() ${c.expected === "error" ? "refuses" : "takes"} ${c.name}`, () => {
    const result = dsnOption(c.letter, c.value, {});
    if (c.expected === "error") {
      assert.equal(typeof result, "string", JSON.stringify(result));
      assert.match(result as string, new RegExp(`^Bad -${c.letter} `));
    } else assert.deepEqual(result, c.expected);
  });
}

Deno.test("dsnOption() keeps what earlier options asked", () => {
  assert.deepEqual(dsnOption("R", "full", { notify: ["SUCCESS"] }), {
    notify: ["SUCCESS"],
    ret: "FULL",
  });
});
