/** Maildir names: unique, carrying the size, and sorting in delivery order (UIDs follow it). */
import assert from "node:assert/strict";
import { maildirName, parseMessageName } from "../../src/mailbox/mod.ts";

Deno.test("maildirName() names sort in the order they were made, within one millisecond too", () => {
  const names: string[] = [];
  // Same millisecond, then a jump from 1-digit to 6-digit microseconds within one second.
  for (let i = 0; i < 50; i++) names.push(maildirName("mx.test", 100, 1_700_000_000_000));
  for (const ms of [1_700_000_000_005, 1_700_000_000_099, 1_700_000_000_999]) {
    names.push(maildirName("mx.test", 100, ms));
  }
  names.push(maildirName("mx.test", 100, 1_700_000_001_000));
  assert.deepEqual([...names].sort(), names);
  assert.equal(new Set(names).size, names.length, "every name is unique");
});

Deno.test("maildirName() escapes / and : in the host name and records the size", () => {
  const name = maildirName("a/b:c", 5120, 1_700_000_000_000);
  assert.match(name, /^1700000000\.M\d{6}P\d+Q\d+R[0-9a-f]{8}\.a\\057b\\072c,S=5120$/);
  assert.equal(parseMessageName(name)?.sizeBytes, 5120);
});
