import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Directory, hashPassword, writeUsersFile } from "../../src/auth/mod.ts";
import { Logger } from "../../src/log/mod.ts";

const bobHash = await hashPassword("bob-secret");
const BASE_USERS = ["bob@example.com", "carol@example.com", "dave@example.net"];

const ALIASES = `
# two users
team@example.com: bob@example.com, Carol@example.com
# a chain: a -> b -> c -> carol
a@example.com: b@example.com
b@example.com: c@example.com
c@example.com: carol@example.com
# a loop, with one real user inside
loop1@example.com: loop2@example.com
loop2@example.com: loop1@example.com, bob@example.com
pure-loop@example.com: pure-loop@example.com
# remote forward, mixed
ext@example.com: friend@elsewhere.org
mixed@example.com: bob@example.com, friend@elsewhere.org, bob@example.com
# exact user beats alias
bob@example.com: carol@example.com
# catch-all of the second domain
@example.net: dave@example.net
# an alias pointing at nobody
ghost@example.com: nobody@example.com
# one target that exists, one that does not
half@example.com: bob@example.com, gone@example.com, pure-loop@example.com
`;

type Fixture = { dir: string; directory: Directory; clock: { ms: number }; logLines: string[] };

async function withDirectory(body: (f: Fixture) => void | Promise<void>): Promise<void> {
  const dir = makeTestDir({ prefix: "pillarbox-directory-" });
  try {
    await writeUsersFile(join(dir, "users"), new Map(BASE_USERS.map((u) => [u, bobHash])));
    await Deno.writeTextFile(join(dir, "aliases"), ALIASES);
    const clock = { ms: 1_000_000 };
    const logLines: string[] = [];
    const directory = new Directory({
      usersFile: join(dir, "users"),
      aliasesFile: join(dir, "aliases"),
      domains: ["Example.com", "example.net"],
      now: () => clock.ms,
      log: new Logger({ sink: (line) => logLines.push(line) }),
    });
    await body({ dir, directory, clock, logLines });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

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
      unknownTargets: ["gone@example.com"],
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

Deno.test("Directory notices a new user, but stats the file at most once per second", async () => {
  await withDirectory(async ({ dir, directory, clock }) => {
    assert.deepEqual(await directory.resolveRecipient("eve@example.com"), { kind: "unknown" });
    const users = new Map([...BASE_USERS, "eve@example.com"].map((u) => [u, bobHash]));
    await writeUsersFile(join(dir, "users"), users);
    clock.ms += 500;
    assert.deepEqual(await directory.resolveRecipient("eve@example.com"), { kind: "unknown" });
    clock.ms += 600;
    assert.deepEqual(await directory.resolveRecipient("eve@example.com"), {
      kind: "local",
      mailboxes: ["eve@example.com"],
    });
    assert.equal(await directory.verifyLogin("eve@example.com", "bob-secret"), true);
  });
});

Deno.test("Directory.verifyLogin() sees a changed password, a deleted account and a new one at once, with no time passed", async () => {
  await withDirectory(async ({ dir, directory }) => {
    assert.equal(await directory.verifyLogin("bob@example.com", "bob-secret"), true);
    // `pillarbox user passwd bob`, `user del carol` and `user add eve`, all within the second.
    const newHash = await hashPassword("bob-new");
    const users = new Map(
      [...BASE_USERS, "eve@example.com"].filter((u) => u !== "carol@example.com").map((u) => [
        u,
        u === "bob@example.com" ? newHash : bobHash,
      ]),
    );
    await writeUsersFile(join(dir, "users"), users);
    assert.equal(await directory.verifyLogin("bob@example.com", "bob-secret"), false);
    assert.equal(await directory.verifyLogin("bob@example.com", "bob-new"), true);
    assert.equal(await directory.verifyLogin("carol@example.com", "bob-secret"), false);
    assert.equal(await directory.verifyLogin("eve@example.com", "bob-secret"), true);
  });
});

Deno.test("Directory.verifyLogin() calls at once all see a password changed before them", async () => {
  await withDirectory(async ({ dir, directory }) => {
    // A lookup under way (its stat may come before the change) must not answer the logins after it.
    const earlier = directory.resolveRecipient("bob@example.com");
    await writeUsersFile(
      join(dir, "users"),
      new Map([["bob@example.com", await hashPassword("x")]]),
    );
    const logins = await Promise.all([
      directory.verifyLogin("bob@example.com", "bob-secret"),
      directory.verifyLogin("bob@example.com", "x"),
      directory.verifyLogin("carol@example.com", "bob-secret"),
    ]);
    assert.deepEqual(logins, [false, true, false]);
    assert.equal((await earlier).kind, "local");
  });
});

Deno.test("Directory notices a changed aliases file and one emptied", async () => {
  await withDirectory(async ({ dir, directory, clock }) => {
    assert.equal((await directory.resolveRecipient("team@example.com")).kind, "local");
    await Deno.writeTextFile(join(dir, "aliases"), "sales@example.com: carol@example.com\n");
    clock.ms += 1000;
    assert.deepEqual(await directory.resolveRecipient("team@example.com"), { kind: "unknown" });
    assert.equal((await directory.resolveRecipient("sales@example.com")).kind, "local");
    await Deno.writeTextFile(join(dir, "aliases"), "# no aliases\n");
    clock.ms += 1000;
    assert.deepEqual(await directory.resolveRecipient("sales@example.com"), { kind: "unknown" });
  });
});

Deno.test("Directory keeps the aliases while the aliases file is gone for a moment, logs once, and takes it back", async () => {
  await withDirectory(async ({ dir, directory, clock, logLines }) => {
    assert.equal((await directory.resolveRecipient("team@example.com")).kind, "local");
    // `mv aliases aliases.old; mv aliases.new aliases`, caught between the two.
    await Deno.rename(join(dir, "aliases"), join(dir, "aliases.old"));
    for (let i = 0; i < 2; i++) {
      clock.ms += 1000;
      assert.deepEqual(await directory.resolveRecipient("team@example.com"), {
        kind: "local",
        mailboxes: ["bob@example.com", "carol@example.com"],
      });
    }
    assert.equal(logLines.length, 1, logLines.join("\n"));
    assert.match(logLines[0] ?? "", /level=warn event=auth.reload_failed .*aliases is gone/);
    await Deno.writeTextFile(join(dir, "aliases"), "sales@example.com: carol@example.com\n");
    clock.ms += 1000;
    assert.deepEqual(await directory.resolveRecipient("team@example.com"), { kind: "unknown" });
    assert.equal((await directory.resolveRecipient("sales@example.com")).kind, "local");
  });
});

Deno.test("Directory without an aliases file at start has no aliases, and takes one made later", async () => {
  await withDirectory(async ({ dir, clock }) => {
    await Deno.remove(join(dir, "aliases"));
    const directory = new Directory({
      usersFile: join(dir, "users"),
      aliasesFile: join(dir, "aliases"),
      domains: ["example.com"],
      now: () => clock.ms,
    });
    await directory.load();
    assert.deepEqual(await directory.resolveRecipient("sales@example.com"), { kind: "unknown" });
    await Deno.writeTextFile(join(dir, "aliases"), "sales@example.com: carol@example.com\n");
    clock.ms += 1000;
    assert.equal((await directory.resolveRecipient("sales@example.com")).kind, "local");
  });
});

Deno.test("Directory keeps the last good aliases when the file turns malformed, and logs once", async () => {
  await withDirectory(async ({ dir, directory, clock, logLines }) => {
    assert.equal((await directory.resolveRecipient("team@example.com")).kind, "local");
    await Deno.writeTextFile(join(dir, "aliases"), "team@example.com bob@example.com\n");
    clock.ms += 1000;
    assert.equal((await directory.resolveRecipient("team@example.com")).kind, "local");
    clock.ms += 1000;
    assert.equal((await directory.resolveRecipient("team@example.com")).kind, "local");
    assert.equal(logLines.length, 1);
    assert.match(logLines[0] ?? "", /level=warn event=auth.reload_failed .*line 1/);
  });
});

Deno.test("Directory.load() rejects a malformed users file at startup", async () => {
  await withDirectory(async ({ dir, directory }) => {
    await Deno.writeTextFile(join(dir, "users"), "garbage\n");
    await assert.rejects(directory.load(), /Cannot read users file .*line 1/);
  });
});

Deno.test("Directory keeps the accounts while the users file is gone for a moment, logs once, and takes it back", async () => {
  await withDirectory(async ({ dir, directory, clock, logLines }) => {
    assert.equal((await directory.resolveRecipient("carol@example.com")).kind, "local");
    // `mv users users.old`, as an editor or a half-done swap does.
    await Deno.rename(join(dir, "users"), join(dir, "users.old"));
    for (let i = 0; i < 2; i++) {
      clock.ms += 1000;
      assert.equal((await directory.resolveRecipient("carol@example.com")).kind, "local");
    }
    assert.equal(logLines.length, 1, logLines.join("\n"));
    assert.match(logLines[0] ?? "", /level=warn event=auth.reload_failed .*users is gone/);
    // The file back, with one account fewer: that is what counts now.
    await writeUsersFile(
      join(dir, "users"),
      new Map(BASE_USERS.filter((u) => u !== "carol@example.com").map((u) => [u, bobHash])),
    );
    clock.ms += 1000;
    assert.deepEqual(await directory.resolveRecipient("carol@example.com"), { kind: "unknown" });
  });
});

Deno.test("Directory keeps the accounts and aliases while their files are truncated to be written in place, logs once each, and takes the new text", async () => {
  await withDirectory(async ({ dir, directory, clock, logLines }) => {
    await directory.load();
    const usersText = await Deno.readTextFile(join(dir, "users"));
    // `cat users.new > users`, caught between the truncate and the write.
    await Deno.truncate(join(dir, "users"));
    await Deno.truncate(join(dir, "aliases"));
    assert.equal(await directory.verifyLogin("bob@example.com", "bob-secret"), true);
    for (let i = 0; i < 2; i++) {
      clock.ms += 1000;
      assert.deepEqual(await directory.resolveRecipient("carol@example.com"), {
        kind: "local",
        mailboxes: ["carol@example.com"],
      });
      assert.equal((await directory.resolveRecipient("team@example.com")).kind, "local");
    }
    assert.equal(logLines.length, 2, logLines.join("\n"));
    assert.match(logLines.join("\n"), /event=auth.reload_failed .*users is empty/);
    assert.match(logLines.join("\n"), /event=auth.reload_failed .*aliases is empty/);
    await Deno.writeTextFile(
      join(dir, "users"),
      usersText.split("\n").filter((line) => !line.startsWith("carol@")).join("\n"),
    );
    await Deno.writeTextFile(join(dir, "aliases"), "# none\n");
    clock.ms += 1000;
    assert.deepEqual(await directory.resolveRecipient("carol@example.com"), { kind: "unknown" });
    assert.deepEqual(await directory.resolveRecipient("team@example.com"), { kind: "unknown" });
    assert.equal(await directory.verifyLogin("bob@example.com", "bob-secret"), true);
  });
});
