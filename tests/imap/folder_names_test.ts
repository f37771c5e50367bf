import assert from "node:assert/strict";
import { folderNameProblem, patternMatcher, toFolder } from "../../src/imap/folder_names.ts";
import { ImapError } from "../../src/imap/errors.ts";

const REFUSED: [string, string][] = [
  ["a parent reference", ".."],
  ["a path with parent references", "../../etc"],
  ["a leading dot", ".hidden"],
  ["a trailing dot", "Work."],
  ["an empty level", "a..b"],
  ["a slash", "a/b"],
  ["a backslash", "a\\b"],
  ["a NUL", "a\u0000b"],
  ["a newline", "a\nb"],
  ["a wildcard", "a*"],
  ["an empty name", ""],
  ["broken modified UTF-7", "&AOk"],
  ["raw 8-bit text", "Entwürfe"],
];
for (const [name, folder] of REFUSED) {
  Deno.test(`folderNameProblem() refuses ${name}`, () => {
    assert.notEqual(folderNameProblem(folder), null);
    assert.throws(() => toFolder(folder), ImapError);
  });
}

const ACCEPTED: [string, string, string][] = [
  ["a plain name", "Work", "Work"],
  ["a nested name", "Projects.2024", "Projects.2024"],
  ["modified UTF-7", "Entw&APw-rfe", "Entw&APw-rfe"],
  ["INBOX in any case", "inbox", "INBOX"],
  ["a child of INBOX in any case, as INBOX's child", "inbox.Lists", "INBOX.Lists"],
  ["a name that only begins with inbox, as it is spelt", "inboxold", "inboxold"],
];
for (const [name, folder, expected] of ACCEPTED) {
  Deno.test(`toFolder() accepts ${name}`, () => {
    assert.equal(toFolder(folder), expected);
  });
}

const PATTERNS: [string, string, string, boolean][] = [
  ["star matches across levels", "*", "a.b.c", true],
  ["star matches the empty name", "*", "", true],
  ["percent stops at the delimiter", "%", "a.b", false],
  ["percent matches one level", "a.%", "a.b", true],
  ["percent matches an empty level", "a.%", "a.", true],
  ["percent does not cross into a deeper level", "a.%", "a.b.c", false],
  ["star after percent crosses levels", "%.*", "a.b.c", true],
  ["percent then star in a run behaves as star", "a%*", "ab.c", true],
  ["a wildcard in the middle matches nothing", "Work*Done", "WorkDone", true],
  ["a wildcard in the middle matches many characters", "Work*Done", "Work.2024.Done", true],
  ["percent in the middle stops at a delimiter", "Work%Done", "Work.Done", false],
  ["a literal suffix must end the name", "*Done", "Done.Old", false],
  ["a literal prefix must start the name", "Done*", "Old.Done", false],
  ["a plain name matches only itself", "Work", "Work", true],
  ["a plain name does not match a longer name", "Work", "Workshop", false],
  ["INBOX patterns ignore case", "inbox", "INBOX", true],
  ["INBOX children match with a lower-case prefix", "inbox.%", "INBOX.Lists", true],
  ["a name that only begins with inbox matches as spelt", "inboxold", "inboxold", true],
  ["a star after inbox reaches such a name", "inbox*", "inboxold", true],
  ["a star after inbox reaches INBOX too", "inbox*", "INBOX", true],
  ["a name that only begins with inbox keeps its case", "INBOXOLD", "inboxold", false],
  ["below INBOX the case counts", "INBOX.lists", "INBOX.Lists", false],
  ["other names keep their case", "work", "Work", false],
  ["regex characters are literal", "a+b", "aab", false],
  ["a dot is literal, not any character", "a.b", "axb", false],
  ["many stars match when the letters are there", "*a*a*a*b", "xaxaxab", true],
  ["many stars fail when the last letter is missing", "*a*a*a*b", "aaaaaa", false],
];
for (const [name, pattern, folder, expected] of PATTERNS) {
  Deno.test(`patternMatcher(): ${name}`, () => {
    assert.equal(patternMatcher(pattern)(folder), expected);
  });
}

// A backtracking regex spent exponential time here (40 letters already took over a minute).
Deno.test("patternMatcher() answers a many-wildcard pattern against a 200-character name", () => {
  const hostile = "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b";
  assert.equal(patternMatcher(hostile)("a".repeat(200)), false);
  assert.equal(patternMatcher(hostile)("a".repeat(199) + "b"), true);
  assert.equal(patternMatcher(hostile.replaceAll("*", "%"))("a".repeat(200)), false);
  assert.equal(patternMatcher(hostile.replaceAll("*", "%"))("a.".repeat(100)), false);
});

// The wildcard runs were squeezed out of a string grown a character at a time, re-copied whole
// at each step: a 256 KB pattern (a command line's limit) held the server for 20 s, this one
// for many minutes.
Deno.test("patternMatcher() takes a pattern of a million characters", () => {
  const matches = patternMatcher("%*a".repeat(350_000) + "%");
  assert.equal(matches("b"), false);
  assert.equal(matches("a"), false);
  assert.equal(patternMatcher("a".repeat(1_000_000) + "*")("a"), false);
  assert.equal(patternMatcher("%*%*".repeat(250_000) + "a")("x.y.a"), true);
});
