/** Directory: recipients, logins and domains. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Directory, writeUsersFile } from "../../src/auth/mod.ts";
import { makeTestDir } from "../temp_dirs.ts";
import { bobHash, withDirectory } from "./directory_fixture.ts";

const resolveCases: { name: string; address: string; expected: unknown }[] = [
  {
    name: "finds a user",
    address: "carol@example.com",
    expected: { kind: "local", mailboxes: ["carol@example.com"] },
  },
  {
    name: "is case-insensitive",
    address: "  CAROL@Example.COM ",
    expected: { kind: "local", mailboxes: ["carol@example.com"] },
  },
  {
    name: "expands an alias to two users",
    address: "team@example.com",
    expected: { kind: "local", mailboxes: ["bob@example.com", "carol@example.com"] },
  },
  {
    name: "follows an alias chain",
    address: "a@example.com",
    expected: { kind: "local", mailboxes: ["carol@example.com"] },
  },
  {
    name: "survives an alias loop and keeps the real user in it",
    address: "loop1@example.com",
    expected: { kind: "local", mailboxes: ["bob@example.com"] },
  },
  {
    name: "answers unknown for a loop with no user in it",
    address: "pure-loop@example.com",
    expected: { kind: "unknown" },
  },
  {
    name: "prefers the exact user over an alias of the same name",
    address: "bob@example.com",
    expected: { kind: "local", mailboxes: ["bob@example.com"] },
  },
  {
    name: "uses the catch-all for an unknown local part",
    address: "whoever@example.net",
    expected: { kind: "local", mailboxes: ["dave@example.net"] },
  },
  {
    name: "answers unknown on a local domain without a catch-all",
    address: "nobody@example.com",
    expected: { kind: "unknown" },
  },
  {
    name: "answers unknown for an alias whose targets do not exist",
    address: "ghost@example.com",
    expected: { kind: "unknown" },
  },
  {
    name: "keeps an alias target that does not exist beside one that does (delivery bounces it)",
    address: "half@example.com",
    expected: {
      kind: "local",
      mailboxes: ["bob@example.com"],
      unknownTargets: ["gone@example.com", "pure-loop@example.com"],
    },
  },
  {
    name: "answers remote for another domain",
    address: "someone@elsewhere.org",
    expected: { kind: "remote" },
  },
  {
    name: "returns a remote alias target as a forward",
    address: "ext@example.com",
    expected: { kind: "local", mailboxes: [], forwards: ["friend@elsewhere.org"] },
  },
  {
    name: "deduplicates mixed local and remote targets",
    address: "mixed@example.com",
    expected: { kind: "local", mailboxes: ["bob@example.com"], forwards: ["friend@elsewhere.org"] },
  },
  {
    name: "always accepts postmaster of a local domain (RFC 5321 4.5.1), in a mailbox of its own",
    address: "PostMaster@example.com",
    expected: { kind: "local", mailboxes: ["postmaster@example.com"] },
  },
  {
    name: "gives postmaster to the catch-all when the domain has one",
    address: "postmaster@example.net",
    expected: { kind: "local", mailboxes: ["dave@example.net"] },
  },
  {
    name: "answers unknown for an address without an @",
    address: "postmaster",
    expected: { kind: "unknown" },
  },
];
for (const c of resolveCases) {
  Deno.test(`Directory.resolveRecipient() ${c.name}`, async () => {
    await withDirectory(async ({ directory }) => {
      assert.deepEqual(await directory.resolveRecipient(c.address), c.expected);
    });
  });
}

Deno.test("Directory.resolveRecipient() stops an alias chain deeper than 10 levels", async () => {
  await withDirectory(async ({ dir, directory }) => {
    const chain = Array.from({ length: 12 }, (_, i) => `d${i}@example.com: d${i + 1}@example.com`);
    await Deno.writeTextFile(
      join(dir, "aliases"),
      [...chain, "d12@example.com: bob@example.com"].join("\n"),
    );
    assert.deepEqual(await directory.resolveRecipient("d0@example.com"), { kind: "unknown" });
    assert.deepEqual(await directory.resolveRecipient("d4@example.com"), {
      kind: "local",
      mailboxes: ["bob@example.com"],
    });
    // The edge: d3 reaches bob through ten aliases (d3 ... d12), d2 would take eleven.
    assert.deepEqual(await directory.resolveRecipient("d3@example.com"), {
      kind: "local",
      mailboxes: ["bob@example.com"],
    });
    assert.deepEqual(await directory.resolveRecipient("d2@example.com"), { kind: "unknown" });
  });
});

Deno.test("Directory.resolveRecipient() gives an empty local part nothing, not the catch-all (whose key it spells)", async () => {
  await withDirectory(async ({ directory }) => {
    assert.deepEqual(await directory.resolveRecipient("@example.net"), { kind: "unknown" });
    assert.deepEqual(await directory.resolveRecipient("anyone@example.net"), {
      kind: "local",
      mailboxes: ["dave@example.net"],
    });
  });
});

Deno.test("Directory.resolveRecipient() names a target whose aliases loop or nest too deep, beside one that works (delivery bounces it)", async () => {
  await withDirectory(async ({ dir, directory }) => {
    const chain = Array.from({ length: 12 }, (_, i) => `d${i}@example.com: d${i + 1}@example.com`);
    await Deno.writeTextFile(
      join(dir, "aliases"),
      [
        "list@example.com: carol@example.com, x1@example.com",
        "x1@example.com: x2@example.com",
        "x2@example.com: x1@example.com",
        "deep@example.com: carol@example.com, d0@example.com",
        ...chain,
        "d12@example.com: bob@example.com",
        "keep@example.com: keep@example.com, carol@example.com",
        "both@example.com: y@example.com, z@example.com",
        "y@example.com: carol@example.com",
        "z@example.com: carol@example.com",
      ].join("\n"),
    );
    assert.deepEqual(await directory.resolveRecipient("list@example.com"), {
      kind: "local",
      mailboxes: ["carol@example.com"],
      unknownTargets: ["x1@example.com"],
    });
    assert.deepEqual(await directory.resolveRecipient("deep@example.com"), {
      kind: "local",
      mailboxes: ["carol@example.com"],
      unknownTargets: ["d0@example.com"],
    });
    // An alias naming itself beside a mailbox, and two aliases reaching one mailbox: nothing lost.
    assert.deepEqual(await directory.resolveRecipient("keep@example.com"), {
      kind: "local",
      mailboxes: ["carol@example.com"],
    });
    assert.deepEqual(await directory.resolveRecipient("both@example.com"), {
      kind: "local",
      mailboxes: ["carol@example.com"],
    });
  });
});

Deno.test("Directory.resolveRecipient() takes postmaster as an alias target like a recipient (abuse: postmaster)", async () => {
  await withDirectory(async ({ dir, directory }) => {
    await Deno.writeTextFile(
      join(dir, "aliases"),
      [
        "abuse@example.com: postmaster@example.com",
        "ops@example.com: bob@example.com, PostMaster@Example.com",
      ].join("\n"),
    );
    // RCPT TO:<postmaster@example.com> is taken (RFC 5321 4.5.1): so is an alias that names it.
    assert.deepEqual(await directory.resolveRecipient("abuse@example.com"), {
      kind: "local",
      mailboxes: ["postmaster@example.com"],
    });
    assert.deepEqual(await directory.resolveRecipient("ops@example.com"), {
      kind: "local",
      mailboxes: ["bob@example.com", "postmaster@example.com"],
    });
  });
});

Deno.test("Directory.resolveRecipient() forwards to a remote target with its local part as written (RFC 5321 2.4)", async () => {
  await withDirectory(async ({ dir, directory }) => {
    await Deno.writeTextFile(
      join(dir, "aliases"),
      [
        "ext@example.com: John.Smith@Elsewhere.ORG, Carol@Example.com",
        "twice@example.com: JOHN.SMITH@elsewhere.org, ext@example.com",
      ].join("\n"),
    );
    // The other server decides what its local parts' case means; ours is ours to lowercase.
    assert.deepEqual(await directory.resolveRecipient("ext@example.com"), {
      kind: "local",
      mailboxes: ["carol@example.com"],
      forwards: ["John.Smith@elsewhere.org"],
    });
    // One forward however many spellings reach it (the first line to name it gives its spelling).
    assert.deepEqual(await directory.resolveRecipient("twice@example.com"), {
      kind: "local",
      mailboxes: ["carol@example.com"],
      forwards: ["John.Smith@elsewhere.org"],
    });
  });
});

Deno.test("Directory.resolveRecipient() follows a short path to an address that a chain of 10 also reaches", async () => {
  await withDirectory(async ({ dir, directory }) => {
    // x1 -> ... -> x9 -> y makes y 10 levels down, its target 11; y is also a's own target.
    const chain = Array.from(
      { length: 8 },
      (_, i) => `x${i + 1}@example.com: x${i + 2}@example.com`,
    );
    await Deno.writeTextFile(
      join(dir, "aliases"),
      [
        "a@example.com: x1@example.com, y@example.com",
        ...chain,
        "x9@example.com: y@example.com",
        "y@example.com: bob@example.com",
      ].join("\n"),
    );
    assert.deepEqual(await directory.resolveRecipient("a@example.com"), {
      kind: "local",
      mailboxes: ["bob@example.com"],
    });
  });
});

Deno.test("Directory.verifyLogin() accepts the right password, case-insensitively in the user", async () => {
  await withDirectory(async ({ directory }) => {
    assert.equal(await directory.verifyLogin("Bob@Example.com", "bob-secret"), true);
    assert.equal(await directory.verifyLogin("bob@example.com", "wrong"), false);
    assert.equal(await directory.verifyLogin("bob@example.com", ""), false, "empty password");
    assert.equal(await directory.verifyLogin("bob@example.com", "bob-secret "), false);
    assert.equal(await directory.verifyLogin("nobody@example.com", "bob-secret"), false);
    assert.equal(await directory.verifyLogin("team@example.com", "bob-secret"), false);
  });
});

Deno.test("Directory.ownsAddress() allows the user's own address and aliases that reach it", async () => {
  await withDirectory(async ({ directory }) => {
    assert.equal(await directory.ownsAddress("bob@example.com", "BOB@example.com"), true);
    assert.equal(await directory.ownsAddress("bob@example.com", "team@example.com"), true);
    assert.equal(await directory.ownsAddress("dave@example.net", "anything@example.net"), true);
    assert.equal(await directory.ownsAddress("bob@example.com", "carol@example.com"), false);
    assert.equal(await directory.ownsAddress("bob@example.com", "a@example.com"), false);
    assert.equal(await directory.ownsAddress("bob@example.com", "friend@elsewhere.org"), false);
  });
});

Deno.test("Directory.isLocalDomain() is case-insensitive", async () => {
  await withDirectory(({ directory }) => {
    assert.equal(directory.isLocalDomain("EXAMPLE.com"), true);
    assert.equal(directory.isLocalDomain("elsewhere.org"), false);
  });
});

Deno.test("Directory takes a domain in U-labels and in A-labels as the same domain (RFC 5890)", async () => {
  const dir = makeTestDir({ prefix: "pillarbox-directory-" });
  try {
    await writeUsersFile(join(dir, "users"), new Map([["joerg@xn--bcher-kva.test", bobHash]]));
    await Deno.writeTextFile(
      join(dir, "aliases"),
      "@xn--bcher-kva.test: joerg@xn--bcher-kva.test\n",
    );
    const directory = new Directory({
      usersFile: join(dir, "users"),
      aliasesFile: join(dir, "aliases"),
      domains: ["xn--bcher-kva.test"],
    });
    assert.equal(directory.isLocalDomain("bücher.test"), true);
    assert.equal(directory.isLocalDomain("BÜCHER.test"), true);
    const account = { kind: "local", mailboxes: ["joerg@xn--bcher-kva.test"] };
    assert.deepEqual(await directory.resolveRecipient("joerg@bücher.test"), account);
    assert.deepEqual(await directory.resolveRecipient("jörg@BÜCHER.test"), account);
    assert.equal(await directory.verifyLogin("joerg@bücher.test", "bob-secret"), true);
    assert.equal(
      await directory.ownsAddress("joerg@xn--bcher-kva.test", "joerg@bücher.test"),
      true,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
