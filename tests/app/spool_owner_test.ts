/**
 * Commands run as root (cron's `sendmail`, the administrator's `queue retry`)
 * on a spool the service user owns: what they write there must be the
 * service user's, or the server, running as that user, cannot read it (a
 * message queued with status 0 and never delivered; a root-owned wake/
 * folder that fails every poll and stops the next start).
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../../src/app/cli.ts";
import { takeWakeRequests } from "../../src/spool/mod.ts";

/** `nobody` on Debian: a uid that is surely not root's. */
const SERVICE = { uid: 65534, gid: 65534 };
const isRoot = Deno.build.os !== "windows" && Deno.uid() === 0;

function stdinOf(text: string): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text));
      controller.close();
    },
  });
}

async function run(words: string[], stdin = ""): Promise<{ code: number; err: string[] }> {
  const err: string[] = [];
  const code = await runCli(words, {
    out: () => {},
    err: (line) => err.push(line),
    stdin: stdinOf(stdin),
  });
  return { code, err };
}

async function ownerOf(path: string): Promise<{ uid: number | null; gid: number | null }> {
  const info = await Deno.lstat(path);
  return { uid: info.uid, gid: info.gid };
}

/** A spool the service user made (as `serve` leaves it), in a temp dir. */
async function serviceSpool(): Promise<string> {
  const spoolDir = makeTestDir({ prefix: "pillarbox-owner-" });
  for (const dir of ["queue/tmp", "queue/msg", "queue/state"]) {
    await Deno.mkdir(join(spoolDir, dir), { recursive: true, mode: 0o700 });
  }
  for (const dir of ["", "queue", "queue/tmp", "queue/msg", "queue/state"]) {
    await Deno.chown(join(spoolDir, dir), SERVICE.uid, SERVICE.gid);
  }
  return spoolDir;
}

Deno.test({
  name: "sendmail run as root queues a message, and its wake request, as the spool's owner's",
  ignore: !isRoot,
  fn: async () => {
    const spoolDir = await serviceSpool();
    try {
      const flags = [`--spool-dir=${spoolDir}`, "--domains=example.test"];
      const sent = await run(["sendmail", "bob@example.test", ...flags], "Subject: cron\n\nout\n");
      assert.equal(sent.code, 0, sent.err.join("\n"));
      const [qid] = [...Deno.readDirSync(join(spoolDir, "queue", "msg"))].map((e) => e.name);
      assert.ok(qid !== undefined, "queued");
      assert.deepEqual(await ownerOf(join(spoolDir, "queue", "msg", qid)), SERVICE);
      assert.deepEqual(await ownerOf(join(spoolDir, "queue", "wake")), SERVICE);
      assert.deepEqual(await ownerOf(join(spoolDir, "queue", "wake", qid)), SERVICE);
      const mode = (await Deno.stat(join(spoolDir, "queue", "msg", qid))).mode ?? 0;
      assert.equal(mode & 0o777, 0o600);

      const retried = await run(["queue", "retry", "--all", ...flags]);
      assert.equal(retried.code, 0, retried.err.join("\n"));
      assert.deepEqual(await ownerOf(join(spoolDir, "queue", "wake", "all")), SERVICE);
    } finally {
      await Deno.remove(spoolDir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "sendmail run as root before the server's first start makes the queue folders the spool owner's",
  ignore: !isRoot,
  fn: async () => {
    // The administrator made the spool for the service user; cron mails before `serve` ran.
    const spoolDir = makeTestDir({ prefix: "pillarbox-owner-" });
    try {
      await Deno.chown(spoolDir, SERVICE.uid, SERVICE.gid);
      const flags = [`--spool-dir=${spoolDir}`, "--domains=example.test"];
      const sent = await run(["sendmail", "bob@example.test", ...flags], "Subject: cron\n\nout\n");
      assert.equal(sent.code, 0, sent.err.join("\n"));
      for (const dir of ["queue", "queue/tmp", "queue/msg", "queue/wake"]) {
        assert.deepEqual(await ownerOf(join(spoolDir, dir)), SERVICE, dir);
      }
    } finally {
      await Deno.remove(spoolDir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "queue run as root before the server's first start makes the queue folders the spool owner's",
  ignore: !isRoot,
  fn: async () => {
    // The administrator looks at the queue of a spool made for the service user, before `serve`
    // ever ran there: root-owned queue folders (0700) would stop that server at its start.
    const spoolDir = makeTestDir({ prefix: "pillarbox-owner-" });
    try {
      await Deno.chown(spoolDir, SERVICE.uid, SERVICE.gid);
      const flags = [`--spool-dir=${spoolDir}`];
      const listed = await run(["queue", "list", ...flags]);
      assert.equal(listed.code, 0, listed.err.join("\n"));
      for (const dir of ["queue", "queue/tmp", "queue/msg"]) {
        assert.deepEqual(await ownerOf(join(spoolDir, dir)), SERVICE, dir);
      }
    } finally {
      await Deno.remove(spoolDir, { recursive: true });
    }
  },
});

Deno.test({
  name: "sendmail -q run as root before the server's first start makes queue/ the spool owner's",
  ignore: !isRoot,
  fn: async () => {
    // A root cron job's `sendmail -q` (kept from the MTA Pillarbox replaced) on a spool made
    // for the service user: a root-owned queue/ (0700) would stop that server at its start.
    const spoolDir = makeTestDir({ prefix: "pillarbox-owner-" });
    try {
      await Deno.chown(spoolDir, SERVICE.uid, SERVICE.gid);
      const ran = await run(["sendmail", "-q", `--spool-dir=${spoolDir}`]);
      assert.equal(ran.code, 0, ran.err.join("\n"));
      for (const dir of ["queue", "queue/wake", "queue/wake/all"]) {
        assert.deepEqual(await ownerOf(join(spoolDir, dir)), SERVICE, dir);
      }
    } finally {
      await Deno.remove(spoolDir, { recursive: true });
    }
  },
});

Deno.test({
  name: "queue retry run as root beside a server that takes its request at once still succeeds",
  ignore: !isRoot,
  fn: async () => {
    // The running server polls queue/wake/ and removes each request it finds; root writes the
    // request, then gives it to the service user. A request taken between the two is delivered,
    // not an error (an administrator's `queue retry --all` loop crashed with NotFound).
    const spoolDir = await serviceSpool();
    let isStopped = false;
    let taken = 0;
    const server = (async () => {
      while (!isStopped) {
        taken += (await takeWakeRequests(spoolDir)).length;
      }
    })();
    const failures: string[] = [];
    try {
      const flags = [`--spool-dir=${spoolDir}`];
      for (let i = 0; i < 300 && failures.length === 0; i++) {
        try {
          const retried = await run(["queue", "retry", "--all", ...flags]);
          if (retried.code !== 0) failures.push(retried.err.join("\n"));
        } catch (error) {
          failures.push(String(error));
        }
      }
    } finally {
      isStopped = true;
      await server;
      await Deno.remove(spoolDir, { recursive: true });
    }
    assert.deepEqual(failures, []);
    assert.ok(taken > 0, "the server took requests meanwhile");
  },
});
