import assert from "node:assert/strict";
import { formatUidList, newUidValidity, parseUidList } from "../../src/mailbox/uid_list.ts";
import { changeLetters, curName, parseMessageName } from "../../src/mailbox/message_name.ts";

const HEADER = "pillarbox-uidlist 1 1700000000 5\n";

const PARSE_CASES: { name: string; text: string; expect: unknown }[] = [
  {
    name: "parseUidList() reads the header and the uid lines",
    text: HEADER + "1 a,S=1\n3 b,S=2\n",
    expect: {
      kind: "ok",
      needsRewrite: false,
      data: {
        uidValidity: 1700000000,
        uidNext: 5,
        entries: [{ uid: 1, base: "a,S=1" }, { uid: 3, base: "b,S=2" }],
      },
    },
  },
  {
    name: "parseUidList() raises UIDNEXT above the last appended uid",
    text: HEADER + "1 a\n7 b\n",
    expect: {
      kind: "ok",
      needsRewrite: false,
      data: {
        uidValidity: 1700000000,
        uidNext: 8,
        entries: [{ uid: 1, base: "a" }, { uid: 7, base: "b" }],
      },
    },
  },
  {
    name: "parseUidList() drops a torn last line and asks for a rewrite",
    text: HEADER + "1 a\n2 b",
    expect: {
      kind: "ok",
      needsRewrite: true,
      data: { uidValidity: 1700000000, uidNext: 5, entries: [{ uid: 1, base: "a" }] },
    },
  },
  {
    name: "parseUidList() reads the rest of a line as the base, spaces and tabs included",
    text: HEADER + "1 a b\n2 c\td \n",
    expect: {
      kind: "ok",
      needsRewrite: false,
      data: {
        uidValidity: 1700000000,
        uidNext: 5,
        entries: [{ uid: 1, base: "a b" }, { uid: 2, base: "c\td " }],
      },
    },
  },
  {
    name: "parseUidList() refuses a file without the header",
    text: "1 a\n",
    expect: { kind: "corrupt", reason: "bad header", uidValidity: null },
  },
  {
    name: "parseUidList() refuses uids that do not increase, keeping the old UIDVALIDITY",
    text: HEADER + "2 a\n2 b\n",
    expect: { kind: "corrupt", reason: "bad line 3", uidValidity: 1700000000 },
  },
  {
    name: "parseUidList() refuses garbage in the middle",
    text: HEADER + "1 a\nxx\n3 c\n",
    expect: { kind: "corrupt", reason: "bad line 3", uidValidity: 1700000000 },
  },
  {
    name: "parseUidList() refuses a zero UIDVALIDITY",
    text: "pillarbox-uidlist 1 0 1\n",
    expect: { kind: "corrupt", reason: "bad header values", uidValidity: null },
  },
];

for (const testCase of PARSE_CASES) {
  Deno.test(testCase.name, () => {
    assert.deepEqual(parseUidList(testCase.text), testCase.expect);
  });
}

Deno.test("formatUidList() output parses back to the same data", () => {
  const data = {
    uidValidity: 42,
    uidNext: 10,
    entries: [{ uid: 2, base: "x" }, { uid: 9, base: "y" }],
  };
  assert.deepEqual(parseUidList(formatUidList(data)), { kind: "ok", needsRewrite: false, data });
});

Deno.test("newUidValidity() is the time in seconds and always above the previous one", () => {
  assert.equal(newUidValidity(null, 1_700_000_000_500), 1_700_000_000);
  assert.equal(newUidValidity(1_600_000_000, 1_700_000_000_500), 1_700_000_000);
  assert.equal(newUidValidity(1_700_000_000, 1_700_000_000_500), 1_700_000_001);
});

const NAME_CASES = [
  {
    name: "parseMessageName() reads size and time from a new/ name",
    file: "1700000000.M1P2Q3.mx,S=120",
    expect: {
      base: "1700000000.M1P2Q3.mx,S=120",
      wireBytes: null,
      isOwnName: true,
      sizeBytes: 120,
      internalDateMs: 1.7e12,
      letters: "",
    },
  },
  {
    name: "parseMessageName() splits the info off a cur/ name and sorts its letters",
    file: "1700000000.M1P2Q3.mx,S=120:2,SRa",
    expect: {
      base: "1700000000.M1P2Q3.mx,S=120",
      wireBytes: null,
      isOwnName: true,
      sizeBytes: 120,
      internalDateMs: 1.7e12,
      letters: "RSa",
    },
  },
  {
    name: "parseMessageName() accepts a name without size or time",
    file: "foreign-name:2,",
    expect: {
      base: "foreign-name",
      wireBytes: null,
      isOwnName: false,
      sizeBytes: null,
      internalDateMs: null,
      letters: "",
    },
  },
  {
    name: "parseMessageName() reads a name dated 1970-01-01 00:00:00 as that date, not as none",
    file: "0.M1P2Q3.mx,S=3:2,",
    expect: {
      base: "0.M1P2Q3.mx,S=3",
      wireBytes: null,
      isOwnName: true,
      sizeBytes: 3,
      internalDateMs: 0,
      letters: "",
    },
  },
  {
    // The Maildir spec gives "1," info experimental meaning: its letters are no flags.
    name: "parseMessageName() reads flags only from info that starts with 2,",
    file: "1700000000.M1P2Q3.mx,S=3:1,S",
    expect: {
      base: "1700000000.M1P2Q3.mx,S=3",
      wireBytes: null,
      isOwnName: true,
      sizeBytes: 3,
      internalDateMs: 1700000000000,
      letters: "",
    },
  },
  {
    name: "parseMessageName() reads a size only from a whole ,S= field",
    file: "1700000000.M1P2Q3.mx,S=12abc:2,S",
    expect: {
      base: "1700000000.M1P2Q3.mx,S=12abc",
      wireBytes: null,
      isOwnName: false,
      sizeBytes: null,
      internalDateMs: 1700000000000,
      letters: "S",
    },
  },
  {
    name: "parseMessageName() reads a date only from the digits the name starts with",
    file: "host.1700000000.x:2,",
    expect: {
      base: "host.1700000000.x",
      wireBytes: null,
      isOwnName: false,
      sizeBytes: null,
      internalDateMs: null,
      letters: "",
    },
  },
  {
    name: "parseMessageName() leaves commas out of the flag letters (a name another program wrote)",
    file: "1700000000.M1P2Q3.mx,S=3:2,S,F",
    expect: {
      base: "1700000000.M1P2Q3.mx,S=3",
      wireBytes: null,
      isOwnName: true,
      sizeBytes: 3,
      internalDateMs: 1700000000000,
      letters: "FS",
    },
  },
  {
    name: "parseMessageName() reads Dovecot's ,W= (the size with CRLF line ends) beside ,S=",
    file: "1700000000.M123P45.host,S=120,W=124:2,S",
    expect: {
      base: "1700000000.M123P45.host,S=120,W=124",
      sizeBytes: 120,
      wireBytes: 124,
      isOwnName: false,
      internalDateMs: null,
      letters: "S",
    },
  },
  {
    name: "parseMessageName() reads ,W= on a name of ours (a copy of a file with bare LFs)",
    file: "1700000000.M000001P2Q3R0a1b2c3d.mx,S=3,W=5:2,",
    expect: {
      base: "1700000000.M000001P2Q3R0a1b2c3d.mx,S=3,W=5",
      sizeBytes: 3,
      wireBytes: 5,
      isOwnName: true,
      internalDateMs: 1.7e12,
      letters: "",
    },
  },
  {
    name:
      "parseMessageName() tells getmail6's names (16 hex digits after R, no ,S=) from ours, though it dates them the same",
    file: "1700000000.M54321P678Q1R0123456789abcdef.host:2,",
    expect: {
      base: "1700000000.M54321P678Q1R0123456789abcdef.host",
      sizeBytes: null,
      wireBytes: null,
      isOwnName: false,
      internalDateMs: 1.7e12,
      letters: "",
    },
  },
  { name: "parseMessageName() skips a name that is all info", file: ":2,S", expect: null },
  { name: "parseMessageName() skips dotfiles", file: ".nfs123", expect: null },
  { name: "parseMessageName() skips names with a newline", file: "a\nb", expect: null },
];

for (const testCase of NAME_CASES) {
  Deno.test(testCase.name, () => {
    assert.deepEqual(parseMessageName(testCase.file), testCase.expect);
  });
}

const LETTER_CASES: {
  name: string;
  letters: string;
  change: Parameters<typeof changeLetters>[1];
  expect: string;
}[] = [
  {
    name: "changeLetters() adds system flags and keeps keyword letters it cannot name",
    letters: "a",
    change: { add: ["\\Seen", "\\Answered"] },
    expect: "RSa",
  },
  {
    name: "changeLetters() removes a system flag",
    letters: "RSa",
    change: { remove: ["\\Seen"] },
    expect: "Ra",
  },
  {
    name: "changeLetters() replace clears system flags and keywords but keeps other letters",
    letters: "FPRSa",
    change: { replace: ["\\Deleted"] },
    expect: "PT",
  },
  {
    name: "changeLetters() maps keywords to their letters",
    letters: "S",
    change: { add: ["$Junk", "$Forwarded"] },
    expect: "Sab",
  },
  {
    name: "changeLetters() removes a keyword by name",
    letters: "Sab",
    change: { remove: ["$forwarded"] },
    expect: "Sb",
  },
  {
    name: "changeLetters() skips keywords without a letter and unknown system flags",
    letters: "",
    change: { add: ["$Unknown", "\\Bogus", "\\Recent"] },
    expect: "",
  },
];

const KEYWORD_LETTER: Record<string, string> = { "$forwarded": "a", "$junk": "b" };

for (const testCase of LETTER_CASES) {
  Deno.test(testCase.name, () => {
    const letters = changeLetters(
      testCase.letters,
      testCase.change,
      (name) => KEYWORD_LETTER[name.toLowerCase()] ?? null,
    );
    assert.equal(letters, testCase.expect);
  });
}

Deno.test("curName() sorts the info letters", () => {
  assert.equal(curName("b", "SD"), "b:2,DS");
});
