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

Deno.test("errorText with the reserve held gives the same text and keeps the reserve", () => {
  const fds = () => [...Deno.readDirSync("/proc/self/fd")].length;
  holdStackReserve();
  try {
    const held = fds();
    assert.match(errorText(new RangeError("held")), /^RangeError: held\n\s+at /);
    assert.equal(fds(), held);
  } finally {
    releaseStackReserve();
  }
});
