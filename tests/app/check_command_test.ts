/** `pillarbox check` refuses what `serve` would refuse, so "configuration ok" can be trusted. */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { canMountDisk, mountSmallDisk } from "../e2e/small_disk.ts";
import { runInProcess } from "./run_in_process.ts";

const run = runInProcess;

/** `pillarbox check` of a smarthost login whose password is in `passwordFile`. */
function checkWithPasswordFile(dir: string, passwordFile: string) {
  return run([
    "check",
    `--spool-dir=${dir}`,
    "--hostname=mx.test",
    "--smarthost=relay.test:587",
    "--smarthost-user=mx",
    `--smarthost-password-file=${passwordFile}`,
  ]);
}

Deno.test("check exits 2 naming an unreadable smarthost password file, as serve does", async () => {
  const dir = makeTestDir();
  try {
    const missing = `${dir}/no-such-password`;
    const result = await checkWithPasswordFile(dir, missing);
    assert.equal(result.code, 2, result.out.join("\n"));
    assert.equal(result.err.length, 1);
    assert.match(result.err[0]!, /^pillarbox: Cannot read smarthost password file "/);
    assert.ok(result.err[0]!.includes(missing));
    assert.ok(!result.out.includes("# configuration ok"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// RFC 4616 2: PLAIN's passwd is 1*SAFE in UTF-8. An empty first line would send a login every
// server refuses; bytes that are not UTF-8 would be sent as U+FFFD: either way the mail waits
// behind a 535 until someone finds the file, so serve and check refuse it at start.
const UNUSABLE_PASSWORD_FILES = [
  { why: "that is empty", bytes: new Uint8Array(), error: /is empty/ },
  {
    why: "with an empty first line",
    bytes: new TextEncoder().encode("\nsecond\n"),
    error: /is empty/,
  },
  { why: "with CRLF only", bytes: new TextEncoder().encode("\r\n"), error: /is empty/ },
  {
    why: "in Latin-1, not UTF-8",
    bytes: Uint8Array.of(0x70, 0xe4, 0x73, 0x73, 0x0a),
    error: /not UTF-8/,
  },
];
for (const { why, bytes, error } of UNUSABLE_PASSWORD_FILES) {
  Deno.test(`check exits 2 naming a smarthost password file ${why}, as serve does`, async () => {
    const dir = makeTestDir();
    try {
      await Deno.writeFile(`${dir}/password`, bytes, { mode: 0o600 });
      const result = await checkWithPasswordFile(dir, `${dir}/password`);
      assert.equal(result.code, 2, result.out.join("\n"));
      assert.equal(result.err.length, 1, result.err.join("\n"));
      assert.match(result.err[0]!, /^pillarbox: Smarthost password file "/);
      assert.match(result.err[0]!, error);
      assert.ok(result.err[0]!.includes(`${dir}/password`));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("a smarthost password file's first line is the password: CRLF and what follows are not part of it", async () => {
  const dir = makeTestDir();
  try {
    await Deno.writeTextFile(`${dir}/password`, "s3cret pw \r\nnext\n", { mode: 0o600 });
    const result = await checkWithPasswordFile(dir, `${dir}/password`);
    assert.equal(result.code, 0, result.err.join("\n"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("check accepts a readable smarthost password file", async () => {
  const dir = makeTestDir();
  try {
    await Deno.writeTextFile(`${dir}/password`, "s3cret\n", { mode: 0o600 });
    const result = await checkWithPasswordFile(dir, `${dir}/password`);
    assert.equal(result.code, 0, result.err.join("\n"));
    assert.equal(result.out.at(-1), "# configuration ok");
    assert.ok(!result.out.join("\n").includes("s3cret"), "check never prints the password");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("check exits 2 naming a --spool-dir that cannot be a directory, as serve does", async () => {
  const dir = makeTestDir();
  try {
    await Deno.writeTextFile(`${dir}/file`, "");
    for (const spoolDir of [`${dir}/file`, `${dir}/file/spool`]) {
      const result = await run([
        "check",
        `--spool-dir=${spoolDir}`,
        "--hostname=mx.test",
        `--users-file=${dir}/users`,
        `--aliases-file=${dir}/aliases`,
      ]);
      assert.equal(result.code, 2, result.out.join("\n"));
      assert.equal(result.err.length, 1);
      assert.ok(result.err[0]!.startsWith(`pillarbox: Cannot use --spool-dir "${spoolDir}": `));
      assert.ok(!result.out.includes("# configuration ok"));
    }
    const fresh = await run(["check", `--spool-dir=${dir}/not-yet`, "--hostname=mx.test"]);
    assert.equal(fresh.code, 0, fresh.err.join("\n"));
    assert.throws(
      () => Deno.statSync(`${dir}/not-yet`),
      Deno.errors.NotFound,
      "check creates nothing",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("check exits 2 naming the users file and line of a password hash the server cannot verify", async () => {
  const dir = makeTestDir();
  try {
    // A hash from another server (bcrypt): every login of bob would fail, and nothing would say why.
    await Deno.writeTextFile(
      `${dir}/users`,
      "# accounts\nbob@example.com:$2y$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui\n",
    );
    const result = await run(["check", `--spool-dir=${dir}`, "--hostname=mx.test"]);
    assert.equal(result.code, 2, result.out.join("\n"));
    assert.deepEqual(result.err, [
      `pillarbox: Cannot read users file "${dir}/users": line 2: unsupported or malformed ` +
      `password hash for "bob@example.com" (expected scrypt$N$r$p$SALT$KEY, as "pillarbox user" writes)`,
    ]);
    assert.ok(!result.out.includes("# configuration ok"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("check warns of an account and an alias on a domain not in --domains, and still exits 0", async () => {
  const dir = makeTestDir();
  try {
    const users = `${dir}/users`;
    const added = await run(
      ["user", "add", "eve@other.test", `--spool-dir=${dir}`, "--domains=example.test"],
      { stdin: "pw\n" },
    );
    assert.equal(added.code, 0, added.err.join("\n"));
    assert.deepEqual(added.out, ["Added user eve@other.test"]);
    assert.equal(added.err.length, 1);
    assert.match(added.err[0]!, /other\.test is not in --domains=example\.test: eve@other\.test/);
    const inDomain = await run(
      ["user", "add", "bob@Example.TEST", `--spool-dir=${dir}`, "--domains=example.test"],
      { stdin: "pw\n" },
    );
    assert.deepEqual(inDomain.err, []);
    await Deno.writeTextFile(
      `${dir}/aliases`,
      "sales@other.test: bob@example.test\n@other.test: bob@example.test\nteam@example.test: eve@other.test\n",
    );
    const result = await run([
      "check",
      `--spool-dir=${dir}`,
      "--hostname=mx.test",
      "--domains=example.test",
      `--users-file=${users}`,
    ]);
    assert.equal(result.code, 0, result.err.join("\n"));
    assert.equal(result.out.at(-1), "# configuration ok");
    assert.deepEqual(result.err, [
      'pillarbox: warning: account "eve@other.test" is on no domain of --domains=example.test: mail to it is not delivered here',
      'pillarbox: warning: alias "@other.test" is on no domain of --domains=example.test: mail to it is not delivered here',
      'pillarbox: warning: alias "sales@other.test" is on no domain of --domains=example.test: mail to it is not delivered here',
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("check warns of an alias that is an account too (the alias never forwards), and still exits 0", async () => {
  const dir = makeTestDir();
  try {
    const added = await run(
      ["user", "add", "bob@example.test", `--spool-dir=${dir}`, "--domains=example.test"],
      { stdin: "pw\n" },
    );
    assert.equal(added.code, 0, added.err.join("\n"));
    // "Keep a copy and forward", as sendmail's `bob: \\bob, bob@elsewhere.org` would: not here.
    await Deno.writeTextFile(
      `${dir}/aliases`,
      "Bob@example.test: bob@example.test, bob@elsewhere.test\nteam@example.test: bob@example.test\n",
    );
    const result = await run([
      "check",
      `--spool-dir=${dir}`,
      "--hostname=mx.test",
      "--domains=example.test",
    ]);
    assert.equal(result.code, 0, result.err.join("\n"));
    assert.equal(result.out.at(-1), "# configuration ok");
    assert.deepEqual(result.err, [
      'pillarbox: warning: alias "bob@example.test" is an account too: the account gets its mail, the alias is never used',
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// The folders serve makes in the spool at start, and refuses to start on when a file stands there.
const SPOOL_FOLDERS = [
  "queue",
  "queue/tmp",
  "queue/msg",
  "queue/state",
  "queue/wake",
  "queue/spare",
  "pickup",
  "pickup-rejected",
  "mail",
];
for (const folder of SPOOL_FOLDERS) {
  Deno.test(`check exits 2 naming a file where the spool's ${folder}/ belongs, as serve does`, async () => {
    const spoolDir = makeTestDir();
    try {
      if (folder.startsWith("queue/")) await Deno.mkdir(`${spoolDir}/queue`);
      await Deno.writeTextFile(`${spoolDir}/${folder}`, "not a folder\n");
      const result = await run(["check", `--spool-dir=${spoolDir}`, "--hostname=mx.test"]);
      assert.equal(result.code, 2, result.out.join("\n"));
      assert.equal(result.err.length, 1);
      assert.ok(result.err[0]!.startsWith(`pillarbox: Cannot use --spool-dir "${spoolDir}": `));
      assert.ok(result.err[0]!.includes(`${spoolDir}/${folder}`), result.err[0]);
      assert.ok(!result.out.includes("# configuration ok"));
    } finally {
      await Deno.remove(spoolDir, { recursive: true });
    }
  });
}

Deno.test({
  name: "check exits 2 naming a spool on a read-only file system, as serve does",
  ignore: !canMountDisk,
}, async () => {
  const disk = mountSmallDisk(1024 * 1024);
  try {
    for (const folder of ["queue", "mail"]) Deno.mkdirSync(`${disk.dir}/${folder}`);
    const spoolDir = disk.dir;
    assert.equal((await run(["check", `--spool-dir=${spoolDir}`, "--hostname=mx.test"])).code, 0);
    const remounted = new Deno.Command("mount", {
      args: ["-o", "remount,ro", disk.dir],
      stderr: "null",
    }).outputSync();
    assert.ok(remounted.success, "remount read-only");
    for (const dir of [spoolDir, `${spoolDir}/not-yet`]) {
      const result = await run(["check", `--spool-dir=${dir}`, "--hostname=mx.test"]);
      assert.equal(result.code, 2, result.err.join("\n"));
      assert.match(result.err[0]!, /^pillarbox: Cannot use --spool-dir ".*": cannot write in "/);
      assert.match(result.err[0]!, /Read-only file system/);
    }
    assert.deepEqual([...Deno.readDirSync(spoolDir)].map((e) => e.name).sort(), ["mail", "queue"]);
  } finally {
    disk.unmount();
  }
});
