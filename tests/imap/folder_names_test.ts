import assert from "node:assert/strict";
import { folderNameProblem, patternToRegExp, toFolder } from "../../src/imap/folder_names.ts";
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
];
for (const [name, folder, expected] of ACCEPTED) {
  Deno.test(`toFolder() accepts ${name}`, () => {
    assert.equal(toFolder(folder), expected);
  });
}

const PATTERNS: [string, string, string, boolean][] = [
  ["star matches across levels", "*", "a.b.c", true],
  ["percent stops at the delimiter", "%", "a.b", false],
  ["percent matches one level", "a.%", "a.b", true],
  ["INBOX patterns ignore case", "inbox", "INBOX", true],
  ["regex characters are literal", "a+b", "aab", false],
];
for (const [name, pattern, folder, expected] of PATTERNS) {
  Deno.test(`patternToRegExp(): ${name}`, () => {
    assert.equal(patternToRegExp(pattern).test(folder), expected);
  });
}
