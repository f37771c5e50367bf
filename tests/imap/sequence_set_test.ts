import assert from "node:assert/strict";
import {
  expandSequenceSet,
  formatNumberSet,
  MAX_SEQUENCE_RANGES,
  mergeRanges,
  parseSequenceSet,
  pickFromAscending,
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

const MERGES: [string, string, number, [number, number][]][] = [
  ["a single number is a range of one", "3", 5, [[3, 3]]],
  ["a reversed range is put low to high", "4:2", 5, [[2, 4]]],
  ["star stands for the largest number", "3:*", 7, [[3, 7]]],
  ["a star below the start is put low to high", "9:*", 7, [[7, 9]]],
  ["ranges are sorted", "9,1,5", 9, [[1, 1], [5, 5], [9, 9]]],
  ["overlapping ranges are joined", "1:5,3:8", 9, [[1, 8]]],
  ["touching ranges are joined", "1:3,4:6,8", 9, [[1, 6], [8, 8]]],
  ["a range inside another disappears", "1:10,3:4", 10, [[1, 10]]],
  ["duplicates are joined", "2,2,2", 5, [[2, 2]]],
  ["the example in the doc comment", "4:2,3,9,5:*", 7, [[2, 7], [9, 9]]],
];
for (const [name, text, largest, expected] of MERGES) {
  Deno.test(`mergeRanges(): ${name}`, () => {
    assert.deepEqual(mergeRanges(parseSequenceSet(text)!, largest), expected);
  });
}

const MEMBERSHIP: [string, string, number[], number, number[]][] = [
  ["picks the numbers inside the ranges", "2:4,9", [1, 2, 3, 5, 9, 10], 10, [1, 2, 4]],
  ["star picks the largest", "*", [3, 7, 12], 12, [2]],
  ["ranges between the numbers pick nothing", "4:6,13:20", [3, 7, 12], 12, []],
  ["a range past the largest still holds it", "559:*", [50, 100], 100, [1]],
  ["unsorted overlapping ranges pick each number once", "7:9,1:8,8", [1, 8, 9, 10], 10, [0, 1, 2]],
  ["an empty list picks nothing", "1:*", [], 0, []],
];
for (const [name, text, values, largest, expected] of MEMBERSHIP) {
  Deno.test(`pickFromAscending() and setContains() agree: ${name}`, () => {
    const set = parseSequenceSet(text)!;
    assert.deepEqual(pickFromAscending(set, values, largest), expected);
    const contained = values.flatMap((value, i) => setContains(set, value, largest) ? [i] : []);
    assert.deepEqual(contained, expected);
  });
}

Deno.test("parseSequenceSet() takes at most MAX_SEQUENCE_RANGES ranges", () => {
  const ranges = (count: number) => Array.from({ length: count }, (_, i) => `${2 * i + 1}`);
  assert.equal(
    parseSequenceSet(ranges(MAX_SEQUENCE_RANGES).join(","))?.length,
    MAX_SEQUENCE_RANGES,
  );
  assert.equal(parseSequenceSet(ranges(MAX_SEQUENCE_RANGES + 1).join(",")), null);
  assert.equal(parseSequenceSet(ranges(60_000).join(",")), null);
});

Deno.test("a set of the most ranges picks every other one of 20,000 messages", () => {
  const text = Array.from({ length: MAX_SEQUENCE_RANGES }, (_, i) => `${2 * i + 1}`).reverse()
    .join(",");
  const set = parseSequenceSet(text)!;
  const uids = Array.from({ length: 20_000 }, (_, i) => i + 1);
  const picked = pickFromAscending(set, uids, 20_000);
  assert.equal(picked.length, MAX_SEQUENCE_RANGES);
  assert.ok(picked.every((index, n) => index === 2 * n));
  const expanded = expandSequenceSet(set, 20_000);
  assert.deepEqual(expanded, picked.map((index) => index + 1));
});
