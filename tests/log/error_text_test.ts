import assert from "node:assert/strict";
import { errorText, holdStackReserve, releaseStackReserve } from "../../src/log/mod.ts";

const CASES: { name: string; error: unknown; expected: RegExp }[] = [
  { name: "an Error is its stack", error: new Error("boom"), expected: /^Error: boom\n\s+at / },
  {
    name: "an Error without a stack is its message",
    error: Object.assign(new Error("bare"), { stack: undefined }),
    expected: /^bare$/,
  },
  { name: "a thrown string is itself", error: "just text", expected: /^just text$/ },
  { name: "a thrown number is its digits", error: 42, expected: /^42$/ },
];

for (const { name, error, expected } of CASES) {
  Deno.test(`errorText: ${name}`, () => {
    assert.match(errorText(error), expected);
  });
}

// That it keeps the server alive out of descriptors: tests/e2e/fd_exhaustion_stack_test.ts.
Deno.test("errorText gives the stack, error after error, while the reserve is held", () => {
  holdStackReserve();
  try {
    for (let i = 0; i < 3; i++) {
      assert.match(errorText(new RangeError(`held ${i}`)), /^RangeError: held \d\n\s+at /);
    }
  } finally {
    releaseStackReserve();
  }
});
