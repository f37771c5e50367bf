/**
 * `pillarbox user` run as root on a spool the service user owns: the users
 * file must stay the service user's (mode 0600), or the server, which runs as
 * that user, can no longer read it and does not start again.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readUsersFile, updateUsersFile } from "../../src/auth/mod.ts";

const HASH = "scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA==$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U=";
/** `nobody` on Debian: a uid that is surely not root's. */
const SERVICE = { uid: 65534, gid: 65534 };
const isRoot = Deno.build.os !== "windows" && Deno.uid() === 0;

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = makeTestDir({ prefix: "pillarbox-owner-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function addBob(path: string): Promise<void> {
  await updateUsersFile(path, (users) => {
    users.set("bob@example.com", HASH);
    return true;
  });
}

Deno.test({
  name: "a users file root creates in the service user's spool is the service user's, 0600",
  ignore: !isRoot,
  fn: () =>
    withTempDir(async (spool) => {
      await Deno.chown(spool, SERVICE.uid, SERVICE.gid);
      const path = join(spool, "users");
      await addBob(path);
      const info = await Deno.stat(path);
      assert.deepEqual({ uid: info.uid, gid: info.gid }, SERVICE);
      assert.equal((info.mode ?? 0) & 0o777, 0o600);
    }),
});

Deno.test({
  name: "a users file root rewrites keeps its owner, also in a folder root owns (/etc)",
  ignore: !isRoot,
  fn: () =>
    withTempDir(async (etc) => {
      const path = join(etc, "users");
      await Deno.writeTextFile(path, "", { mode: 0o600 });
      await Deno.chown(path, SERVICE.uid, SERVICE.gid);
      await addBob(path);
      const info = await Deno.stat(path);
      assert.deepEqual({ uid: info.uid, gid: info.gid }, SERVICE);
      assert.equal((info.mode ?? 0) & 0o777, 0o600);
      assert.ok((await readUsersFile(path)).has("bob@example.com"));
    }),
});

Deno.test({
  name: "a users file root writes in root's own folder stays root's",
  ignore: !isRoot,
  fn: () =>
    withTempDir(async (dir) => {
      const path = join(dir, "users");
      await addBob(path);
      const info = await Deno.stat(path);
      assert.deepEqual({ uid: info.uid, gid: info.gid }, { uid: 0, gid: 0 });
    }),
});
