/**
 * `pillarbox queue` meeting a queue file it may not read (another user's,
 * mode 0600: see README, Users and permissions): it names that file and
 * goes on, instead of dying with an uncaught PermissionDenied that hid
 * every other message from `queue list`.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Logger } from "../../src/log/mod.ts";
import { Spool } from "../../src/spool/mod.ts";
import { canDropOverrides, denoWithoutOverrides } from "./without_overrides.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const encoder = new TextEncoder();

Deno.test({
  name: "queue list names a queue file it cannot read and lists the others; show says why",
  ignore: !await canDropOverrides(),
  fn: async () => {
    const spoolDir = makeTestDir({ prefix: "pillarbox-queue-" });
    try {
      const spool = await Spool.open({
        spoolDir,
        log: new Logger({ level: "error" }),
        isSweeping: false,
      });
      const accept = (rcpt: string) =>
        spool.accept({
          envelope: { from: "a@mx.test", rcpts: [rcpt], source: "sendmail" },
          message: encoder.encode("Subject: x\r\n\r\nbody\r\n"),
        });
      const readable = await accept("bob@mx.test");
      const unreadable = await accept("carol@mx.test");
      await Deno.chown(join(spool.msgDir, unreadable), 65534, 65534);
      const flags = [`--spool-dir=${spoolDir}`, "--hostname=mx.test"];
      const run = (words: string[]) =>
        denoWithoutOverrides(["run", "-A", MAIN, ...words, ...flags]);

      const listed = await run(["queue", "list"]);
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, new RegExp(`^${readable} .*\\n    bob@mx\\.test  pending`, "m"));
      assert.match(listed.stdout, /^1 message in the queue$/m);
      assert.match(
        listed.stderr,
        new RegExp(`^pillarbox queue: ${unreadable}: unreadable queue file, not listed: `, "m"),
      );

      for (const words of [["queue", "show", unreadable], ["queue", "retry", unreadable]]) {
        const refused = await run(words);
        assert.equal(refused.code, 1, words.join(" "));
        assert.match(refused.stderr, new RegExp(`^pillarbox queue: ${unreadable}: unreadable `));
        assert.doesNotMatch(refused.stderr, /Uncaught/);
      }

      // Deleting it needs the folder, not the file: the administrator's way to be rid of it.
      const deleted = await run(["queue", "delete", unreadable]);
      assert.equal(deleted.code, 0, deleted.stderr);
      assert.equal(deleted.stdout, `${unreadable} deleted\n`);
      assert.deepEqual(await spool.list(), [readable]);
    } finally {
      await Deno.remove(spoolDir, { recursive: true });
    }
  },
});
