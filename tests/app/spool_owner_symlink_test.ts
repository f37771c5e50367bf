/**
 * Commands run as root on a spool the service user owns must not let that
 * user (a compromised server runs as it) become root: everything under the
 * spool is that user's to replace, a symlink to /etc/shadow or /etc too. So
 * what root gives away is only what it made there (never a link's target),
 * and a wake request never writes through a link.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { lchownSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../../src/app/cli.ts";

/** `nobody` on Debian: a uid that is surely not root's. */
const SERVICE = { uid: 65534, gid: 65534 };
const isRoot = Deno.build.os !== "windows" && Deno.uid() === 0;

async function run(words: string[], stdin = ""): Promise<{ code: number; err: string[] }> {
  const err: string[] = [];
  const code = await runCli(words, {
    out: () => {},
    err: (line) => err.push(line),
    stdin: new Blob([stdin]).stream(),
  });
  return { code, err };
}

/** A spool the service user made (as `serve` leaves it), and a root-owned folder beside it. */
async function withSpoolAndVictim(
  body: (spoolDir: string, victimDir: string) => Promise<void>,
): Promise<void> {
  const spoolDir = makeTestDir({ prefix: "pillarbox-owner-" });
  const victimDir = makeTestDir({ prefix: "pillarbox-victim-" });
  try {
    for (const dir of ["queue/tmp", "queue/msg", "queue/state", "queue/wake"]) {
      await Deno.mkdir(join(spoolDir, dir), { recursive: true, mode: 0o700 });
    }
    for (const dir of ["", "queue", "queue/tmp", "queue/msg", "queue/state", "queue/wake"]) {
      await Deno.chown(join(spoolDir, dir), SERVICE.uid, SERVICE.gid);
    }
    await Deno.writeTextFile(join(victimDir, "shadow"), "root:secret\n", { mode: 0o600 });
    await body(spoolDir, victimDir);
  } finally {
    await Deno.remove(spoolDir, { recursive: true });
    await Deno.remove(victimDir, { recursive: true });
  }
}

async function ownerOf(path: string): Promise<{ uid: number | null; gid: number | null }> {
  const info = await Deno.stat(path);
  return { uid: info.uid, gid: info.gid };
}

/** Replaces `path` (a folder or file of the spool) by a symlink to `target`, as its owner could. */
async function plantLink(path: string, target: string): Promise<void> {
  await Deno.remove(path, { recursive: true }).catch(() => {});
  await Deno.symlink(target, path);
  // The owner's own link, as it would be had that user made it.
  lchownSync(path, SERVICE.uid, SERVICE.gid);
}

Deno.test({
  name: "queue retry --all as root neither empties nor gives away a file wake/all links to",
  ignore: !isRoot,
  fn: () =>
    withSpoolAndVictim(async (spoolDir, victimDir) => {
      const victim = join(victimDir, "shadow");
      await plantLink(join(spoolDir, "queue", "wake", "all"), victim);
      await run(["queue", "retry", "--all", `--spool-dir=${spoolDir}`]);
      assert.equal(await Deno.readTextFile(victim), "root:secret\n");
      assert.deepEqual(await ownerOf(victim), { uid: 0, gid: 0 });
    }),
});

Deno.test({
  name: "queue list as root does not give away the folder a queue folder links to",
  ignore: !isRoot,
  fn: () =>
    withSpoolAndVictim(async (spoolDir, victimDir) => {
      await plantLink(join(spoolDir, "queue", "tmp"), victimDir);
      const listed = await run(["queue", "list", `--spool-dir=${spoolDir}`]);
      assert.deepEqual(await ownerOf(victimDir), { uid: 0, gid: 0 });
      assert.equal(listed.code, 2);
      assert.match(listed.err.join("\n"), /queue\/tmp is another user's symlink/);
    }),
});

Deno.test({
  name: "sendmail as root does not give away the folder wake/ links to",
  ignore: !isRoot,
  fn: () =>
    withSpoolAndVictim(async (spoolDir, victimDir) => {
      await plantLink(join(spoolDir, "queue", "wake"), victimDir);
      const flags = [`--spool-dir=${spoolDir}`, "--domains=example.test"];
      await run(["sendmail", "bob@example.test", ...flags], "Subject: cron\n\nout\n");
      assert.deepEqual(await ownerOf(victimDir), { uid: 0, gid: 0 });
      assert.equal(await Deno.readTextFile(join(victimDir, "shadow")), "root:secret\n");
    }),
});

/** The names in `dir`, sorted. */
function namesIn(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
}

Deno.test({
  name:
    "sendmail as root writes nothing into a folder wake/ links to (apt.conf.d: root for the owner)",
  ignore: !isRoot,
  fn: () =>
    withSpoolAndVictim(async (spoolDir, victimDir) => {
      await plantLink(join(spoolDir, "queue", "wake"), victimDir);
      const flags = [`--spool-dir=${spoolDir}`, "--domains=example.test"];
      await run(["sendmail", "bob@example.test", ...flags], "Subject: cron\n\nout\n");
      assert.deepEqual(namesIn(victimDir), ["shadow"]);
    }),
});

Deno.test({
  name: "queue retry --all as root writes nothing into a folder wake/ links to",
  ignore: !isRoot,
  fn: () =>
    withSpoolAndVictim(async (spoolDir, victimDir) => {
      await plantLink(join(spoolDir, "queue", "wake"), victimDir);
      const retried = await run(["queue", "retry", "--all", `--spool-dir=${spoolDir}`]);
      assert.deepEqual(namesIn(victimDir), ["shadow"]);
      assert.equal(retried.code, 1);
      assert.match(retried.err.join("\n"), /queue\/wake is another user's symlink/);
    }),
});

for (const folder of ["msg", "tmp"]) {
  Deno.test({
    name: `sendmail as root queues nothing through a ${folder}/ its owner made a symlink`,
    ignore: !isRoot,
    fn: () =>
      withSpoolAndVictim(async (spoolDir, victimDir) => {
        await plantLink(join(spoolDir, "queue", folder), victimDir);
        const flags = [`--spool-dir=${spoolDir}`, "--domains=example.test"];
        const sent = await run(["sendmail", "bob@example.test", ...flags], "Subject: x\n\nout\n");
        assert.deepEqual(namesIn(victimDir), ["shadow"]);
        assert.equal(sent.code, 75, "a temporary failure: cron's mail is not lost, only refused");
      }),
  });
}

for (
  const [command, words] of [
    ["queue retry --all", ["queue", "retry", "--all"]],
    ["sendmail", ["sendmail", "bob@example.test", "--domains=example.test"]],
  ] as const
) {
  Deno.test({
    name: `${command} as root makes no folder where a queue/ its owner made a symlink leads`,
    ignore: !isRoot,
    fn: () =>
      withSpoolAndVictim(async (spoolDir, victimDir) => {
        await plantLink(join(spoolDir, "queue"), victimDir);
        const ran = await run([...words, `--spool-dir=${spoolDir}`], "Subject: x\n\nout\n");
        assert.deepEqual(namesIn(victimDir), ["shadow"]);
        assert.notEqual(ran.code, 0);
        assert.match(ran.err.join("\n"), /queue is another user's symlink/);
      }),
  });
}
