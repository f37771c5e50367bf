import assert from "node:assert/strict";
import { isStorageFull } from "../../src/spool/mod.ts";

function withCode(message: string, code?: string): Error {
  const error = new Error(message);
  if (code !== undefined) Object.assign(error, { code });
  return error;
}

const CASES: [string, unknown, boolean][] = [
  ["ENOSPC by code", withCode("write failed", "ENOSPC"), true],
  ["EDQUOT by code", withCode("write failed", "EDQUOT"), true],
  ["ENOSPC by OS error in the message", withCode("No space left on device (os error 28)"), true],
  ["EDQUOT by OS error in the message", withCode("Disk quota exceeded (os error 122)"), true],
  ["another OS error", withCode("Permission denied (os error 13)"), false],
  ["an OS error number that only starts like 28", withCode("Whatever (os error 281)"), false],
  ["EIO by code", withCode("Input/output error", "EIO"), false],
  ["not an Error", "No space left on device (os error 28)", false],
  ["nothing", undefined, false],
];

for (const [name, error, expected] of CASES) {
  Deno.test(`isStorageFull: ${name}`, () => {
    assert.equal(isStorageFull(error), expected);
  });
}
