import assert from "node:assert/strict";
import {
  expandSequenceSet,
  formatNumberSet,
  parseSequenceSet,
  setContains,
  setExceeds,
} from "../../src/imap/sequence_set.ts";

const EXPANSIONS: [string, string, number, number[]][] = [
  ["a single number names one message", "3", 5, [3]],
  ["a range names every message in it", "2:4", 5, [2, 3, 4]],
  ["a reversed range means the same", "4:2", 5, [2, 3, 4]],
  ["a star names the last message", "*", 5, [5]],
  ["a range to star runs to the end", "3:*", 5, [3, 4, 5]],
  ["a list is merged and sorted", "5,1,2:3,2", 5, [1, 2, 3, 5]],
  ["numbers past the end are left out", "4:9", 5, [4, 5]],
  ["star on an empty mailbox names nothing", "1:*", 0, []],
];

for (const [name, text, count, expected] of EXPANSIONS) {
  Deno.test(`expandSequenceSet(): ${name}`, () => {
    const set = parseSequenceSet(text);
    assert.ok(set);
    assert.deepEqual(expandSequenceSet(set, count), expected);
  });
}

const INVALID: [string, string][] = [
  ["an empty string", ""],
  ["a zero", "0"],
  ["a leading zero", "01"],
  ["a trailing comma", "1,"],
  ["two colons", "1:2:3"],
  ["letters", "1:a"],
  ["a number above 2^32-1", "4294967296"],
  ["spaces", "1, 2"],
];

for (const [name, text] of INVALID) {
  Deno.test(`parseSequenceSet() refuses ${name}`, () => {
    assert.equal(parseSequenceSet(text), null);
  });
}

Deno.test("setContains(): a UID range past the highest UID still includes the last UID", () => {
  const set = parseSequenceSet("559:*")!;
  assert.equal(setContains(set, 100, 100), true);
  assert.equal(setContains(set, 99, 100), false);
});

Deno.test("setExceeds() spots a number above the message count", () => {
  assert.equal(setExceeds(parseSequenceSet("1:3")!, 2), true);
  assert.equal(setExceeds(parseSequenceSet("1:*")!, 2), false);
});

Deno.test("formatNumberSet() joins runs into ranges", () => {
  assert.equal(formatNumberSet([1, 2, 3, 7, 9, 10]), "1:3,7,9:10");
  assert.equal(formatNumberSet([]), "");
});
