/**
 * `pillarbox serve` refusing to start: a problem an administrator made is one
 * `pillarbox: ...` line naming the file (and line) at fault and a non-zero
 * status, never an uncaught stack trace.
 */
import assert from "node:assert/strict";
import { runCli, smtpOnlyFlags, tempDir } from "./harness.ts";

/** A well-formed scrypt hash (salt "saltsaltsaltsalt"), so the line fails only for its address. */
const HASH = "scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA==$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U=";

const badFiles: Array<[string, string, string, RegExp]> = [
  [
    "serve exits 2 naming the line of a duplicate account in the users file",
    "users",
    `bob@example.test:${HASH}\nBob@Example.test:${HASH}\n`,
    /^pillarbox: Cannot read users file "[^"]*\/users": line 2: duplicate account "bob@example\.test"$/,
  ],
  [
    "serve exits 2 naming the line of a bad aliases line",
    "aliases",
    "# team\npostmaster@example.test bob@example.test\n",
    /^pillarbox: Cannot read aliases file "[^"]*\/aliases": line 2: expected /,
  ],
];
for (const [name, file, text, message] of badFiles) {
  Deno.test(name, async () => {
    const spoolDir = tempDir();
    try {
      await Deno.writeTextFile(`${spoolDir}/${file}`, text);
      const result = await runCli(["serve", ...smtpOnlyFlags(spoolDir)]);
      assert.equal(result.code, 2, result.stderr);
      const lines = result.stderr.trimEnd().split("\n");
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0]!, message);
      assert.doesNotMatch(result.stderr, /event=listen/);
    } finally {
      await Deno.remove(spoolDir, { recursive: true });
    }
  });
}

for (const flag of ["smtp-listen", "http-listen"]) {
  Deno.test(`serve names --${flag} and the reason when its port is taken, without a stack trace`, async () => {
    const spoolDir = tempDir();
    const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (taken.addr as Deno.NetAddr).port;
    try {
      const result = await runCli([
        "serve",
        ...smtpOnlyFlags(spoolDir),
        `--${flag}=127.0.0.1:${port}`,
      ]);
      assert.equal(result.code, 1, result.stderr);
      const last = result.stderr.trimEnd().split("\n").at(-1)!;
      assert.equal(
        last,
        `pillarbox: Cannot listen on 127.0.0.1:${port} (--${flag}): address already in use`,
      );
      assert.doesNotMatch(result.stderr, /Uncaught|\n\s+at /);
    } finally {
      taken.close();
      await Deno.remove(spoolDir, { recursive: true });
    }
  });
}

Deno.test("serve exits 2 naming --spool-dir when the spool cannot be made there, without a stack trace", async () => {
  const dir = tempDir();
  try {
    // The spool's path runs through a file: mkdir fails as it would for a directory
    // the service user may not write (root, which runs the tests, may write anywhere).
    await Deno.writeTextFile(`${dir}/file`, "");
    const spoolDir = `${dir}/file/spool`;
    const result = await runCli([
      "serve",
      ...smtpOnlyFlags(spoolDir),
      `--users-file=${dir}/users`,
      `--aliases-file=${dir}/aliases`,
    ]);
    assert.equal(result.code, 2, result.stderr);
    const lines = result.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /^pillarbox: Cannot use --spool-dir "[^"]*\/file\/spool": /);
    assert.doesNotMatch(result.stderr, /event=listen/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// Each of the spool's folders that serve makes or reads at start; a file stands in its place.
for (const folder of ["queue/state", "queue/wake", "pickup", "pickup-rejected", "mail"]) {
  Deno.test(`serve exits 2 naming --spool-dir when a file stands where ${folder}/ belongs, and keeps the file`, async () => {
    const spoolDir = tempDir();
    try {
      await Deno.mkdir(`${spoolDir}/queue`);
      await Deno.writeTextFile(`${spoolDir}/${folder}`, "not a folder\n");
      const result = await runCli(["serve", ...smtpOnlyFlags(spoolDir)]);
      assert.equal(result.code, 2, result.stderr);
      const lines = result.stderr.trimEnd().split("\n");
      assert.equal(lines.length, 1, result.stderr);
      assert.match(
        lines[0]!,
        /^pillarbox: Cannot use --spool-dir "[^"]*": (Not a directory|File exists) /,
      );
      assert.ok(lines[0]!.includes(`${spoolDir}/${folder}`), lines[0]);
      assert.equal(await Deno.readTextFile(`${spoolDir}/${folder}`), "not a folder\n");
    } finally {
      await Deno.remove(spoolDir, { recursive: true });
    }
  });
}
