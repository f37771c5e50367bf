import assert from "node:assert/strict";
import { makeEntry } from "../../src/mailbox/message_table.ts";

const fields = (uid: number, letters: string) => ({
  uid,
  base: `170000000${uid}.M1P1Q${uid}.host`,
  fileName: `170000000${uid}.M1P1Q${uid}.host:2,${letters}`,
  sizeBytes: 10,
  internalDateMs: 1_700_000_000_000,
  letters,
  isNew: false,
});
const keywordNames = (letters: string) => letters.includes("a") ? ["$Forwarded"] : [];

Deno.test("makeEntry() gives entries with the same letters one shared, frozen flag list", () => {
  // A loaded folder holds an entry per message: a list of its own each cost ~60 bytes a message.
  const first = makeEntry(null, fields(1, "FS"), keywordNames);
  const second = makeEntry(null, fields(2, "FS"), keywordNames);
  assert.deepEqual([...first.flags].sort(), ["\\Flagged", "\\Seen"]);
  assert.equal(first.flags, second.flags);
  assert.ok(Object.isFrozen(first.flags));
  assert.notEqual(makeEntry(null, fields(3, "S"), keywordNames).flags, first.flags);
  assert.deepEqual(makeEntry(null, fields(3, "S"), keywordNames).flags, ["\\Seen"]);
});

Deno.test("makeEntry() shares one frozen empty keyword list, and gives keywords their own", () => {
  const plain = makeEntry(null, fields(1, "S"), keywordNames);
  const other = makeEntry(null, fields(2, "RS"), keywordNames);
  assert.equal(plain.keywords, other.keywords);
  assert.deepEqual(plain.keywords, []);
  assert.ok(Object.isFrozen(plain.keywords));
  const tagged = makeEntry(null, fields(3, "Sa"), keywordNames);
  assert.deepEqual(tagged.keywords, ["$Forwarded"]);
  assert.ok(Object.isFrozen(tagged.keywords));
  // A later change of letters is seen: the entry made over the old one follows its letters.
  const changed = makeEntry(tagged, { letters: "S" }, keywordNames);
  assert.deepEqual(changed.keywords, []);
  assert.deepEqual(changed.flags, ["\\Seen"]);
});
