/** ESEARCH (RFC 4731): RETURN options as parsed, and the `* ESEARCH` line for a result. */
import assert from "node:assert/strict";
import { ImapError } from "../../src/imap/errors.ts";
import { CommandCursor } from "../../src/imap/parser.ts";
import { parseSearchWithReturn } from "../../src/imap/search_keys.ts";
import { checkReturnOptions, formatEsearch } from "../../src/imap/search_return.ts";

const PARSED: [string, string, string[] | null, string][] = [
  ["no RETURN", "ALL", null, "all"],
  ["RETURN with options", "RETURN (MIN max) UNSEEN", ["MIN", "MAX"], "flag"],
  ["an empty RETURN", "RETURN () ALL", [], "all"],
  ["RETURN then CHARSET", "RETURN (COUNT) CHARSET UTF-8 SEEN", ["COUNT"], "flag"],
  ["CHARSET without RETURN", "CHARSET US-ASCII RECENT", null, "recent"],
  // Keywords and charset names are case-insensitive (RFC 3501 9, RFC 2978 2.3).
  ["return, charset and options in lower case", "return (min) charset utf-8 SEEN", ["MIN"], "flag"],
  ["a lower-case charset without RETURN", "charset us-ascii RECENT", null, "recent"],
  ["a key that starts with R", "RECENT SEEN", null, "and"],
  ["a sequence set first", "1:3 SEEN", null, "and"],
  ["a parenthesised key first", "(SEEN) ALL", null, "and"],
];
for (const [name, text, returns, kind] of PARSED) {
  Deno.test(`parseSearchWithReturn() reads ${name}`, () => {
    const cursor = CommandCursor.of(text);
    const parsed = parseSearchWithReturn(cursor);
    cursor.end();
    assert.deepEqual(parsed.returns, returns);
    assert.equal(parsed.key.kind, kind);
  });
}

Deno.test("parseSearchWithReturn() refuses RETURN without a list or without keys", () => {
  for (const text of ["RETURN MIN ALL", "RETURN (MIN)", "RETURN (MIN) ", "RETURN"]) {
    assert.throws(
      () => {
        const cursor = CommandCursor.of(text);
        parseSearchWithReturn(cursor);
        cursor.end();
      },
      (error) => error instanceof ImapError && error.status === "BAD",
      text,
    );
  }
});

Deno.test("checkReturnOptions() reads () as ALL and refuses SAVE and unknown options", () => {
  assert.deepEqual([...checkReturnOptions([])], ["ALL"]);
  assert.deepEqual([...checkReturnOptions(["MIN", "MIN", "COUNT"])], ["MIN", "COUNT"]);
  for (const name of ["SAVE", "PARTIAL", "FIRST"]) {
    assert.throws(
      () => checkReturnOptions([name]),
      (error) => error instanceof ImapError && error.status === "BAD",
    );
  }
});

const ALL_OPTIONS = new Set(["MIN", "MAX", "COUNT", "ALL"] as const);

Deno.test("formatEsearch() compresses ALL into ranges and names the tag", () => {
  assert.equal(
    formatEsearch({ tag: "A282", isUid: false, options: ALL_OPTIONS }, [2, 3, 4, 7, 9, 10]),
    '* ESEARCH (TAG "A282") MIN 2 MAX 10 COUNT 6 ALL 2:4,7,9:10\r\n',
  );
  assert.equal(
    formatEsearch({ tag: "a]1", isUid: true, options: new Set(["COUNT"]) }, [5]),
    '* ESEARCH (TAG "a]1") UID COUNT 1\r\n',
  );
  // A tag cannot hold a quote or a backslash on the wire, but the string stays a string if it did.
  assert.equal(
    formatEsearch({ tag: 'q"\\', isUid: false, options: new Set(["COUNT"]) }, []),
    '* ESEARCH (TAG "q\\"\\\\") COUNT 0\r\n',
  );
});

Deno.test("formatEsearch() without hits says COUNT 0 and no MIN, MAX or ALL", () => {
  assert.equal(
    formatEsearch({ tag: "t", isUid: true, options: ALL_OPTIONS }, []),
    '* ESEARCH (TAG "t") UID COUNT 0\r\n',
  );
  assert.equal(
    formatEsearch({ tag: "t", isUid: false, options: new Set(["MIN", "ALL"]) }, []),
    '* ESEARCH (TAG "t")\r\n',
  );
});
