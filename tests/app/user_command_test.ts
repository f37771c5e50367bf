import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { runUserCommand } from "../../src/app/user_command.ts";
import { readUsersFile, verifyPassword } from "../../src/auth/mod.ts";

type Run = { status: number; out: string[]; err: string[] };

function stdinOf(text: string): ReadableStream<Uint8Array> {
  return ReadableStream.from([new TextEncoder().encode(text)]);
}

async function withSpool(body: (usersFile: string, dir: string) => Promise<void>): Promise<void> {
  const dir = makeTestDir({ prefix: "pillarbox-user-" });
  try {
    await body(join(dir, "spool", "users"), dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function run(usersFile: string, words: string[], stdin = ""): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await runUserCommand(words, {
    usersFile,
    stdin: stdinOf(stdin),
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  });
  return { status, out, err };
}

Deno.test("user add creates the users file, its directory and a verifiable hash", async () => {
  await withSpool(async (usersFile) => {
    const result = await run(usersFile, ["add", "Bob@Example.com"], "s3cret pass\nignored\n");
    assert.deepEqual(result, { status: 0, out: ["Added user bob@example.com"], err: [] });
    const users = await readUsersFile(usersFile);
    assert.deepEqual([...users.keys()], ["bob@example.com"]);
    assert.equal(await verifyPassword("s3cret pass", users.get("bob@example.com") ?? ""), true);
    if (Deno.build.os !== "windows") {
      assert.equal((await Deno.stat(usersFile)).mode! & 0o777, 0o600);
    }
  });
});

Deno.test("user add takes the password without its CRLF and without a final newline", async () => {
  await withSpool(async (usersFile) => {
    assert.equal((await run(usersFile, ["add", "a@d.example"], "pw1\r\n")).status, 0);
    assert.equal((await run(usersFile, ["add", "b@d.example"], "pw2")).status, 0);
    const users = await readUsersFile(usersFile);
    assert.equal(await verifyPassword("pw1", users.get("a@d.example") ?? ""), true);
    assert.equal(await verifyPassword("pw2", users.get("b@d.example") ?? ""), true);
  });
});

Deno.test("user list prints addresses sorted and never a hash", async () => {
  await withSpool(async (usersFile) => {
    for (const address of ["zed@example.com", "amy@example.com", "bob@example.org"]) {
      assert.equal((await run(usersFile, ["add", address], "pw\n")).status, 0);
    }
    const result = await run(usersFile, ["list"]);
    assert.deepEqual(result, {
      status: 0,
      out: ["amy@example.com", "bob@example.org", "zed@example.com"],
      err: [],
    });
  });
});

Deno.test("user list on a missing users file prints nothing and succeeds", async () => {
  await withSpool(async (usersFile) => {
    assert.deepEqual(await run(usersFile, ["list"]), { status: 0, out: [], err: [] });
  });
});

Deno.test("user del removes the account and keeps the others", async () => {
  await withSpool(async (usersFile) => {
    await run(usersFile, ["add", "bob@example.com"], "pw\n");
    await run(usersFile, ["add", "carol@example.com"], "pw\n");
    const result = await run(usersFile, ["del", "BOB@example.com"]);
    assert.deepEqual(result, { status: 0, out: ["Deleted user bob@example.com"], err: [] });
    assert.deepEqual([...(await readUsersFile(usersFile)).keys()], ["carol@example.com"]);
  });
});

Deno.test("user passwd replaces the password of an existing user", async () => {
  await withSpool(async (usersFile) => {
    await run(usersFile, ["add", "bob@example.com"], "old\n");
    const result = await run(usersFile, ["passwd", "bob@example.com"], "new\n");
    assert.deepEqual(result, {
      status: 0,
      out: ["Changed the password of bob@example.com"],
      err: [],
    });
    const hash = (await readUsersFile(usersFile)).get("bob@example.com") ?? "";
    assert.equal(await verifyPassword("new", hash), true);
    assert.equal(await verifyPassword("old", hash), false);
  });
});

Deno.test("user add twice at once keeps both accounts (the update is locked)", async () => {
  await withSpool(async (usersFile) => {
    await run(usersFile, ["add", "first@example.com"], "pw\n");
    const results = await Promise.all(
      ["a", "b", "c", "d"].map((name) => run(usersFile, ["add", `${name}@example.com`], "pw\n")),
    );
    assert.deepEqual(results.map((r) => r.status), [0, 0, 0, 0]);
    assert.equal((await readUsersFile(usersFile)).size, 5);
  });
});

const failures: {
  name: string;
  setup?: string[];
  words: string[];
  stdin?: string;
  status: number;
  err: RegExp;
}[] = [
  {
    name: "user add refuses an existing user",
    setup: ["bob@example.com"],
    words: ["add", "bob@EXAMPLE.com"],
    stdin: "pw\n",
    status: 1,
    err: /^Cannot add user "bob@example.com": it already exists$/,
  },
  {
    name: "user add refuses an empty password",
    words: ["add", "bob@example.com"],
    stdin: "\nsecond line\n",
    status: 1,
    err: /empty password/,
  },
  {
    name: "user add refuses an empty stdin",
    words: ["add", "bob@example.com"],
    stdin: "",
    status: 1,
    err: /empty password/,
  },
  {
    name: "user add refuses a path-traversal address",
    words: ["add", "../x@example.com"],
    stdin: "pw\n",
    status: 2,
    err: /not a valid account address/,
  },
  {
    name: "user add refuses an address without a domain",
    words: ["add", "bob"],
    stdin: "pw\n",
    status: 2,
    err: /not a valid account address/,
  },
  {
    name: "user add refuses a very long password",
    words: ["add", "bob@example.com"],
    stdin: "x".repeat(5000) + "\n",
    status: 1,
    err: /too long/,
  },
  {
    name: "user del refuses an unknown user",
    setup: ["bob@example.com"],
    words: ["del", "eve@example.com"],
    status: 1,
    err: /^Cannot delete user "eve@example.com": no such user$/,
  },
  {
    name: "user passwd refuses an unknown user",
    words: ["passwd", "eve@example.com"],
    stdin: "pw\n",
    status: 1,
    err: /no such user/,
  },
  {
    name: "user passwd refuses an empty password",
    setup: ["bob@example.com"],
    words: ["passwd", "bob@example.com"],
    stdin: "\n",
    status: 1,
    err: /empty password/,
  },
  {
    name: "user without a subcommand is a usage error",
    words: [],
    status: 2,
    err: /Missing user subcommand/,
  },
  {
    name: "an unknown subcommand is a usage error",
    words: ["frobnicate"],
    status: 2,
    err: /Bad user command: "frobnicate"/,
  },
  {
    name: "user add without an address is a usage error",
    words: ["add"],
    status: 2,
    err: /Bad user command/,
  },
  {
    name: "user list with an argument is a usage error",
    words: ["list", "x"],
    status: 2,
    err: /Bad user command/,
  },
  {
    name: "a prototype name is not a subcommand",
    words: ["constructor"],
    status: 2,
    err: /Bad user command/,
  },
];
for (const c of failures) {
  Deno.test(`${c.name}`, async () => {
    await withSpool(async (usersFile) => {
      for (const address of c.setup ?? []) await run(usersFile, ["add", address], "pw\n");
      const before = await readUsersFile(usersFile);
      const result = await run(usersFile, c.words, c.stdin ?? "");
      assert.equal(result.status, c.status, result.err.join("\n"));
      assert.deepEqual(result.out, []);
      assert.match(result.err[0] ?? "", c.err);
      assert.deepEqual(await readUsersFile(usersFile), before, "the users file is unchanged");
    });
  });
}

Deno.test("user list reports a malformed users file with its path and line", async () => {
  await withSpool(async (usersFile, dir) => {
    await Deno.mkdir(join(dir, "spool"));
    await Deno.writeTextFile(usersFile, "# ok\nnot a user line\n");
    const result = await run(usersFile, ["list"]);
    assert.equal(result.status, 1);
    assert.match(result.err[0] ?? "", /Cannot read users file ".*users": line 2:/);
  });
});

Deno.test("user add refuses a password that is not UTF-8 rather than storing another one", async () => {
  await withSpool(async (usersFile) => {
    const err: string[] = [];
    // "été" typed on a Latin-1 terminal. Logins decode UTF-8 strictly (auth/sasl.ts), so a
    // password stored with U+FFFD for each such byte would never match the one typed.
    const latin1 = new Uint8Array([0xe9, 0x74, 0xe9, 0x0a]);
    const status = await runUserCommand(["add", "bob@example.com"], {
      usersFile,
      stdin: ReadableStream.from([latin1]),
      out: () => {},
      err: (line) => err.push(line),
    });
    assert.equal(status, 1, err.join("\n"));
    assert.match(err[0] ?? "", /password is not UTF-8/);
    assert.deepEqual([...(await readUsersFile(usersFile)).keys()], []);
  });
});

Deno.test("user add takes only the first line of a stdin that comes in several reads", async () => {
  await withSpool(async (usersFile) => {
    // A pipe may hand over the password's line and what follows it in separate reads.
    const status = await runUserCommand(["add", "bob@example.com"], {
      usersFile,
      stdin: ReadableStream.from(
        ["s3cret\n", "not part of it\n"].map((text) => new TextEncoder().encode(text)),
      ),
      out: () => {},
      err: () => {},
    });
    assert.equal(status, 0);
    const hash = (await readUsersFile(usersFile)).get("bob@example.com") ?? "";
    assert.equal(await verifyPassword("s3cret", hash), true);
  });
});
