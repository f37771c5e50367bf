/** Maildir names: unique, carrying the size, and sorting in delivery order (UIDs follow it). */
import assert from "node:assert/strict";
import {
  isOwnMaildirName,
  mailboxDir,
  maildirName,
  parseMessageName,
} from "../../src/mailbox/mod.ts";

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

Deno.test("maildirName() in a restarted process with the same pid (a container's server) never repeats a name", async () => {
  // A fresh instance of the module is a process that starts again: its counters start over,
  // and an IMAP APPEND dated as one appended before the restart asks for the same time.
  const fresh = await import(`../../src/mailbox/maildir.ts?restart=${crypto.randomUUID()}`);
  const again = await import(`../../src/mailbox/maildir.ts?restart=${crypto.randomUUID()}`);
  const before = fresh.maildirName("mx.test", 100, 1_700_000_000_000) as string;
  const after = again.maildirName("mx.test", 100, 1_700_000_000_000) as string;
  assert.notEqual(after, before, "the rename into cur/ would replace the earlier message");
});

Deno.test("mailboxDir() keeps every account below mail/<domain>/: no dot, slash or control names", () => {
  assert.equal(mailboxDir("/spool", "Bob@Example.Test"), "/spool/mail/example.test/bob");
  for (
    const account of [
      "..@example.test",
      "bob@..",
      ".hidden@example.test",
      "a/b@example.test",
      "bob@example.test/../x",
      "a\\b@example.test",
      "a\nb@example.test",
      "@example.test",
      "bob@",
      "bob",
    ]
  ) {
    assert.throws(() => mailboxDir("/spool", account), /cannot name a mailbox/, account);
  }
});

Deno.test("maildirName() keeps its own form when a second's last millisecond takes many names", () => {
  // Leftovers in tmp/ are swept only when isOwnMaildirName() knows them: six digits after M.
  for (let i = 0; i < 1_500; i++) {
    const name = maildirName("mx.test", 100, 1_700_000_002_999);
    assert.ok(isOwnMaildirName(name), name);
    assert.equal(parseMessageName(name)?.internalDateMs, 1_700_000_002_000);
  }
});
