import assert from "node:assert/strict";
import { parseAliases } from "../../src/auth/mod.ts";

Deno.test("parseAliases() reads aliases, catch-alls, comments and blank lines", () => {
  const text = [
    "# aliases for example.com",
    "",
    "Postmaster@Example.com: bob@example.com, Carol@example.com",
    "  team@example.com:bob@example.com,friend@elsewhere.org  ",
    "dup@example.com: bob@example.com, BOB@example.com",
    "@example.com: bob@example.com",
    "",
  ].join("\r\n");
  const table = parseAliases(text, "aliases");
  assert.deepEqual(Object.fromEntries(table), {
    "postmaster@example.com": ["bob@example.com", "carol@example.com"],
    "team@example.com": ["bob@example.com", "friend@elsewhere.org"],
    "dup@example.com": ["bob@example.com"],
    "@example.com": ["bob@example.com"],
  });
});

Deno.test("parseAliases() returns an empty table for an empty file", () => {
  assert.equal(parseAliases("", "aliases").size, 0);
  assert.equal(parseAliases("# nothing yet\n\n", "aliases").size, 0);
});

const badLines: { name: string; text: string; message: string }[] = [
  {
    name: "a line without a colon",
    text: "a@d b@d",
    message: 'line 1: expected "alias@domain: target, target"',
  },
  {
    name: "an alias without targets",
    text: "# c\n\n\na@d:   ",
    message: 'line 4: no targets for "a@d"',
  },
  {
    name: "an invalid alias name",
    text: "../x@d: b@d",
    message: 'line 1: invalid alias address "../x@d"',
  },
  {
    name: "an alias without a domain",
    text: "postmaster: b@d",
    message: 'line 1: invalid alias address "postmaster"',
  },
  {
    name: "a bad catch-all domain",
    text: "@..: b@d",
    message: 'line 1: invalid catch-all domain "@.."',
  },
  {
    name: "an empty target between commas",
    text: "a@d: b@d,, c@d",
    message: "line 1: empty target",
  },
  {
    name: "a target without a domain",
    text: "a@d: bob",
    message: 'line 1: invalid target address "bob"',
  },
  { name: "a program target", text: 'a@d: "|/bin/sh"', message: "line 1: invalid target address" },
  {
    name: "a duplicate alias",
    text: "a@d: b@d\nA@D: c@d",
    message: 'line 2: duplicate alias "a@d"',
  },
];
for (const c of badLines) {
  Deno.test(`parseAliases() names the file and line of ${c.name}`, () => {
    assert.throws(() => parseAliases(c.text, "/srv/aliases"), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.ok(
        error.message.startsWith('Cannot read aliases file "/srv/aliases": '),
        error.message,
      );
      assert.ok(error.message.includes(c.message), error.message);
      return true;
    });
  });
}

// Each target was looked for in the list so far: 20,000 targets took a second, 80,000 half a
// minute, this one many minutes (the file is read at start and again on every change).
Deno.test("parseAliases() reads an alias with 400,000 targets, a repeated one once", () => {
  const targets = Array.from({ length: 400_000 }, (_, i) => `u${i}@example.com`);
  const text = `list@example.com: ${targets.join(", ")}, U7@Example.com\n`;
  const table = parseAliases(text, "aliases");
  assert.deepEqual(table.get("list@example.com"), targets);
});
