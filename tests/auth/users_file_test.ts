import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseUsers, readUsersFile, updateUsersFile, writeUsersFile } from "../../src/auth/mod.ts";

const HASH = "scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA==$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U=";

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = makeTestDir({ prefix: "pillarbox-users-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("parseUsers() skips comments and blank lines and normalizes addresses", () => {
  const text =
    `# accounts\n\n  # indented comment\nBob@Example.com:${HASH}\r\ncarol@example.com:${HASH}\n`;
  const users = parseUsers(text, "users");
  assert.deepEqual([...users.keys()], ["bob@example.com", "carol@example.com"]);
  assert.equal(users.get("bob@example.com"), HASH);
});

const badLines: { name: string; text: string; message: RegExp }[] = [
  {
    name: "a line without a colon",
    text: "bob@example.com",
    message: /line 1: expected "address:hash"/,
  },
  {
    name: "an invalid address",
    text: `# x\n../x@d:${HASH}`,
    message: /line 2: invalid account address "..\/x@d"/,
  },
  {
    name: "an empty hash",
    text: "bob@example.com:",
    message: /line 1: missing or malformed password hash/,
  },
  {
    name: "a hash with a space",
    text: "bob@example.com:abc def",
    message: /line 1: missing or malformed/,
  },
  {
    name: "a bcrypt hash (only scrypt hashes can be verified)",
    text:
      `# migrated from dovecot\nbob@example.com:$2y$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui`,
    message: /line 2: unsupported or malformed password hash for "bob@example.com"/,
  },
  {
    name: "a password in plain text",
    text: "bob@example.com:secret",
    message: /line 1: unsupported or malformed password hash for "bob@example.com"/,
  },
  {
    name: "an scrypt hash whose salt is not base64",
    text: "bob@example.com:scrypt$16384$8$1$not*base64$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U=",
    message: /line 1: unsupported or malformed password hash/,
  },
  {
    name: "an scrypt hash whose cost is beyond what the server will compute",
    text: `bob@example.com:${HASH.replace("$16384$8$", "$1048576$8$")}`,
    message: /line 1: unsupported or malformed password hash/,
  },
  {
    name: "a duplicate account",
    text: `a@d:${HASH}\n\nA@D:${HASH}`,
    message: /line 3: duplicate account "a@d"/,
  },
];
for (const c of badLines) {
  Deno.test(`parseUsers() names the file and line of ${c.name}`, () => {
    assert.throws(() => parseUsers(c.text, "/etc/pillarbox/users"), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.match(error.message, /^Cannot read users file "\/etc\/pillarbox\/users": /);
      assert.match(error.message, c.message);
      return true;
    });
  });
}

Deno.test("readUsersFile() returns an empty map for a missing file", async () => {
  await withTempDir(async (dir) => {
    assert.equal((await readUsersFile(join(dir, "nope"))).size, 0);
  });
});

Deno.test("writeUsersFile() and readUsersFile() round-trip accounts", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "users");
    const users = new Map([["zed@example.com", HASH], [
      "amy@example.com",
      HASH.replace("c2Fs", "d2Fs"),
    ]]);
    await writeUsersFile(path, users);
    assert.deepEqual(await readUsersFile(path), users);
    const text = await Deno.readTextFile(path);
    assert.ok(text.indexOf("amy@") < text.indexOf("zed@"), "sorted by address");
  });
});

Deno.test("writeUsersFile() creates the file with mode 0600 and leaves no temporary file", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "users");
    await writeUsersFile(path, new Map([["bob@example.com", HASH]]));
    await writeUsersFile(path, new Map([["bob@example.com", HASH], ["eve@example.com", HASH]]));
    if (Deno.build.os !== "windows") assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    const names = [];
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
    assert.deepEqual(names, ["users"]);
  });
});

Deno.test("writeUsersFile() refuses an invalid address instead of corrupting the file", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "users");
    await assert.rejects(
      writeUsersFile(path, new Map([["a:b@d", HASH]])),
      /invalid account address/,
    );
    await assert.rejects(
      writeUsersFile(path, new Map([["a@d", "x\ny"]])),
      /malformed password hash/,
    );
    assert.equal((await readUsersFile(path)).size, 0);
  });
});

Deno.test("readUsersFile() reports a malformed file with its path", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "users");
    await Deno.writeTextFile(path, `bob@example.com:${HASH}\nnonsense\n`);
    await assert.rejects(readUsersFile(path), new RegExp(`users file "${path}": line 2:`));
  });
});

Deno.test("updateUsersFile() removes the copies a killed command left half-written, and nothing else", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "users");
    await writeUsersFile(path, new Map([["bob@example.com", HASH]]));
    // writeFileAtomic's `<name>.tmp-<12 hex>`; for another owner, staged as `<name>.new-<12 hex>`.
    const leftovers = [
      "users.tmp-0123456789ab",
      "users.new-ba9876543210",
      "users.new-ba9876543210.tmp-00ff00ff00ff",
    ];
    const others = [
      "users.tmp-notes",
      "users.bak",
      "aliases.tmp-0123456789ab",
      "users.tmp-0123456789abc",
      "users.tmp-0123456789ab.bak",
    ];
    for (const name of [...leftovers, ...others]) {
      await Deno.writeTextFile(join(dir, name), "bob@example.com:x\n");
    }
    await updateUsersFile(path, (users) => {
      users.set("eve@example.com", HASH);
      return true;
    });
    const names = [];
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
    assert.deepEqual(names.sort(), [...others, "users"].sort());
    assert.deepEqual([...(await readUsersFile(path)).keys()].sort(), [
      "bob@example.com",
      "eve@example.com",
    ]);
  });
});

Deno.test("updateUsersFile() leaves alone a name that only matches with its dot read as any character", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "users.db");
    await writeUsersFile(path, new Map([["bob@example.com", HASH]]));
    await Deno.writeTextFile(join(dir, "usersXdb.tmp-0123456789ab"), "kept\n");
    await updateUsersFile(path, () => true);
    assert.equal(await Deno.readTextFile(join(dir, "usersXdb.tmp-0123456789ab")), "kept\n");
  });
});

Deno.test("updateUsersFile() writes nothing when the change says so (the server sees no new file)", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "users");
    await writeUsersFile(path, new Map([["bob@example.com", HASH]]));
    const before = await Deno.stat(path);
    await updateUsersFile(path, (users) => {
      users.delete("nobody@example.com");
      return false;
    });
    const after = await Deno.stat(path);
    assert.equal(after.ino, before.ino, "the same file, not a rewritten one");
  });
});
