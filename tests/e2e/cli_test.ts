/**
 * The command line as a user runs it: `check`, `help`, `user add/list`, and
 * a `serve` with a bad flag that must exit 2 before it touches anything.
 */
import assert from "node:assert/strict";
import { FLAGS } from "../../src/config/mod.ts";
import { freePort } from "./free_port.ts";
import { runCli, tempDir } from "./harness.ts";

Deno.test("the command line validates, explains and manages accounts", async (t) => {
  const dir = tempDir();
  try {
    await t.step("check names the file and line of an unknown flag and exits 2", async () => {
      const path = `${dir}/unknown.flags`;
      await Deno.writeTextFile(path, "--hostname=mx.test\n# comment\n\n--smpt-listen=:25\n");
      const result = await runCli(["check", `--flagfile=${path}`]);
      assert.equal(result.code, 2);
      assert.match(result.stderr, new RegExp(`"${path}": line 4: unknown flag "--smpt-listen"`));
      assert.equal(result.stdout, "");
    });

    await t.step("check names the file and line of a bad value and exits 2", async () => {
      const path = `${dir}/bad-value.flags`;
      await Deno.writeTextFile(path, "--max-recipients=lots\n");
      const result = await runCli(["check", `--flagfile=${path}`]);
      assert.equal(result.code, 2);
      assert.match(result.stderr, new RegExp(`"${path}": line 1: --max-recipients: .*"lots"`));
    });

    await t.step("check with a good file prints the configuration and exits 0", async () => {
      const path = `${dir}/good.flags`;
      await Deno.writeTextFile(
        path,
        `--hostname=mx.test\n--domains=example.test\n--spool-dir=${dir}/spool\n--max-recipients=7\n`,
      );
      const result = await runCli(["check", `--flagfile=${path}`]);
      assert.equal(result.code, 0, result.stderr);
      for (const line of ["--hostname=mx.test", "--domains=example.test", "--max-recipients=7"]) {
        assert.ok(result.stdout.split("\n").includes(line), `prints ${line}`);
      }
    });

    await t.step("help prints every flag", async () => {
      const result = await runCli(["help"]);
      assert.equal(result.code, 0);
      for (const row of FLAGS) assert.ok(result.stdout.includes(`--${row.name}`), row.name);
    });

    await t.step("user add and list work and list never prints a hash", async () => {
      const spool = `--spool-dir=${dir}/users-spool`;
      for (const address of ["bob@example.test", "alice@example.test"]) {
        const added = await runCli(["user", "add", address, spool], { stdin: "s3cret pw\n" });
        assert.equal(added.code, 0, added.stderr);
      }
      const listed = await runCli(["user", "list", spool]);
      assert.equal(listed.code, 0);
      assert.equal(listed.stdout, "alice@example.test\nbob@example.test\n");
      const usersFile = await Deno.readTextFile(`${dir}/users-spool/users`);
      const hashes = usersFile.split("\n").filter((line) => /^[a-z]/.test(line))
        .map((line) => line.slice(line.indexOf(":") + 1));
      assert.equal(hashes.length, 2);
      for (const hash of hashes) {
        assert.match(hash, /^scrypt\$/);
        assert.ok(!listed.stdout.includes(hash) && !listed.stdout.includes("scrypt"));
      }
      assert.ok(!usersFile.includes("s3cret"), "the password is stored hashed");
    });

    await t.step(
      "serve with a bad flag exits 2 before it opens a socket or the spool",
      async () => {
        const port = freePort();
        const spoolDir = `${dir}/never-created`;
        const path = `${dir}/serve.flags`;
        await Deno.writeTextFile(path, `--smtp-listen=127.0.0.1:${port}\n--max-connections=0\n`);
        for (
          const args of [
            ["serve", `--smtp-listen=127.0.0.1:${port}`, `--spool-dir=${spoolDir}`, "--bogus=1"],
            ["serve", `--flagfile=${path}`, `--spool-dir=${spoolDir}`],
          ]
        ) {
          const result = await runCli(args);
          assert.equal(result.code, 2, result.stderr);
          assert.match(result.stderr, /^pillarbox: /);
          assert.ok(!result.stdout.includes("event=listen") && !result.stderr.includes("event="));
          assert.throws(() => Deno.statSync(spoolDir), Deno.errors.NotFound);
        }
        const again = Deno.listen({ hostname: "127.0.0.1", port });
        again.close();
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
