import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Logger } from "../../src/log/mod.ts";
import {
  KeywordLimitError,
  KEYWORDS_FILE,
  Mailboxes,
  MaildirStore,
} from "../../src/mailbox/mod.ts";
import { isKeywordName, Keywords, parseKeywordsFile } from "../../src/mailbox/keywords.ts";

const ACCOUNT = "bob@example.test";
const quietLog = () => new Logger({ sink: () => {} });

function setup(spoolDir = makeTestDir({ prefix: "pillarbox-keywords-" })) {
  const store = new MaildirStore({ spoolDir, hostname: "mx.test" });
  const mailboxes = new Mailboxes({ spoolDir, hostname: "mx.test", log: quietLog(), store });
  return { spoolDir, store, mailboxes, dir: mailboxes.accountDir(ACCOUNT) };
}

const FILE_CASES: { name: string; text: string; expect: (string | undefined)[] }[] = [
  {
    name: "parseKeywordsFile() reads Dovecot lines",
    text: "0 $Junk\n1 $Forwarded\n",
    expect: ["$Junk", "$Forwarded"],
  },
  {
    name: "parseKeywordsFile() keeps gaps by index",
    text: "2 NonJunk\n",
    expect: [undefined, undefined, "NonJunk"],
  },
  { name: "parseKeywordsFile() skips indexes past z", text: "26 $Late\n0 $A\n", expect: ["$A"] },
  {
    name: "parseKeywordsFile() skips malformed lines and bad names",
    text: "x $A\n0\n1 \\Seen\n2 ok\r\n",
    expect: [undefined, undefined, "ok"],
  },
  { name: "parseKeywordsFile() reads an empty file as no keywords", text: "", expect: [] },
];

for (const testCase of FILE_CASES) {
  Deno.test(testCase.name, () => {
    assert.deepEqual(parseKeywordsFile(testCase.text), testCase.expect);
  });
}

const NAME_CASES: [string, boolean][] = [
  ["$Forwarded", true],
  ["NonJunk", true],
  ["\\Seen", false],
  ["two words", false],
  ["", false],
  ["paren(", false],
  ["caf\u00e9", false],
];

Deno.test("isKeywordName() accepts atoms and refuses system flags, spaces and non-ASCII", () => {
  for (const [name, expect] of NAME_CASES) assert.equal(isKeywordName(name), expect, name);
});

Deno.test("Keywords.define() hands out letters in order, case-insensitively, and writes the file", async () => {
  const dir = makeTestDir({ prefix: "pillarbox-keywords-" });
  const keywords = new Keywords(dir);
  await keywords.load();
  await keywords.define(["$Junk", "$Forwarded", "$junk"]);
  await keywords.define(["$FORWARDED", "$MDNSent"]);
  assert.deepEqual(keywords.names(), ["$Junk", "$Forwarded", "$MDNSent"]);
  assert.equal(keywords.letterOf("$forwarded"), "b");
  assert.deepEqual(keywords.namesOf("Sacq"), ["$Junk", "$MDNSent"]);
  assert.equal(
    await Deno.readTextFile(join(dir, KEYWORDS_FILE)),
    "0 $Junk\n1 $Forwarded\n2 $MDNSent\n",
  );
  const reloaded = new Keywords(dir);
  await reloaded.load();
  assert.deepEqual(reloaded.names(), keywords.names());
});

Deno.test("Keywords.define() works after a crash left a half-written temporary file behind", async () => {
  const dir = makeTestDir({ prefix: "pillarbox-keywords-" });
  const keywords = new Keywords(dir);
  await keywords.load();
  await keywords.define(["$Junk"]);
  // Killed between writing the new table and renaming it into place.
  await Deno.writeTextFile(join(dir, `${KEYWORDS_FILE}.tmp`), "0 $Junk\n1 $Half");
  const restarted = new Keywords(dir);
  await restarted.load();
  await restarted.define(["$Forwarded"]);
  assert.equal(await Deno.readTextFile(join(dir, KEYWORDS_FILE)), "0 $Junk\n1 $Forwarded\n");
  assert.equal(restarted.letterOf("$Forwarded"), "b");
});

Deno.test("Keywords.define() refuses a 27th keyword and keeps the file as it was", async () => {
  const dir = makeTestDir({ prefix: "pillarbox-keywords-" });
  const keywords = new Keywords(dir);
  await keywords.load();
  await keywords.define(Array.from({ length: 26 }, (_, i) => `k${i}`));
  const before = await Deno.readTextFile(join(dir, KEYWORDS_FILE));
  await assert.rejects(keywords.define(["one-too-many"]), KeywordLimitError);
  assert.equal(await Deno.readTextFile(join(dir, KEYWORDS_FILE)), before);
  assert.equal(keywords.letterOf("k25"), "z");
});

Deno.test("Keywords.define() with keepWhatFits gives out the last letters and returns the names left over, once each", async () => {
  const dir = makeTestDir({ prefix: "pillarbox-keywords-" });
  const keywords = new Keywords(dir);
  await keywords.load();
  await keywords.define(Array.from({ length: 24 }, (_, i) => `k${i}`));
  const dropped = await keywords.define(["k3", "y1", "z1", "Late", "late", "LATE2"], {
    keepWhatFits: true,
  });
  assert.deepEqual(dropped, ["Late", "LATE2"]);
  assert.equal(keywords.letterOf("y1"), "y");
  assert.equal(keywords.letterOf("z1"), "z");
  assert.equal(keywords.letterOf("late"), null);
  const reloaded = new Keywords(dir);
  await reloaded.load();
  assert.equal(reloaded.letterOf("z1"), "z");
  // With every letter taken, nothing is written and every new name comes back.
  const before = await Deno.readTextFile(join(dir, KEYWORDS_FILE));
  assert.deepEqual(await keywords.define(["k0", "Other"], { keepWhatFits: true }), ["Other"]);
  assert.equal(await Deno.readTextFile(join(dir, KEYWORDS_FILE)), before);
});

Deno.test("Mailbox.store() keeps keywords in the Maildir name and they survive a reopen", async () => {
  const first = setup();
  await first.store.deliver([ACCOUNT], [new TextEncoder().encode("Subject: k\r\n\r\nbody\r\n")]);
  const mailbox = await first.mailboxes.openMailbox(ACCOUNT);
  const [message] = await mailbox.refresh();
  const [stored] = await mailbox.store([message!.uid], { add: ["\\Seen", "$Forwarded", "$Junk"] });
  assert.deepEqual(stored!.keywords, ["$Forwarded", "$Junk"]);
  assert.deepEqual(stored!.flags, ["\\Seen"]);
  const [removed] = await mailbox.store([message!.uid], { remove: ["$FORWARDED"] });
  assert.deepEqual(removed!.keywords, ["$Junk"]);
  mailbox.release();
  const names = [...Deno.readDirSync(join(first.dir, "cur"))].map((entry) => entry.name);
  assert.equal(names.length, 1);
  assert.match(names[0]!, /:2,Sb$/);
  const second = setup(first.spoolDir);
  const reopened = await second.mailboxes.openMailbox(ACCOUNT);
  const [again] = await reopened.refresh();
  assert.deepEqual(again!.keywords, ["$Junk"]);
  assert.deepEqual(reopened.keywords, ["$Forwarded", "$Junk"]);
  const [replaced] = await reopened.store([again!.uid], { replace: ["\\Flagged"] });
  assert.deepEqual([replaced!.flags, replaced!.keywords], [["\\Flagged"], []]);
  reopened.release();
});

Deno.test("Mailbox.append() stores keywords given with the flags", async () => {
  const { mailboxes } = setup();
  const mailbox = await mailboxes.openMailbox(ACCOUNT);
  const added = await mailbox.append([new TextEncoder().encode("Subject: a\r\n\r\n")], {
    flags: ["\\Seen", "NonJunk"],
  });
  assert.deepEqual([added.flags, added.keywords], [["\\Seen"], ["NonJunk"]]);
  mailbox.release();
});
