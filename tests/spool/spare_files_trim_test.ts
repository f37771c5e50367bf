/**
 * A drained backlog frees files faster than the pool's target: they are
 * parked up to `max` while mail moves, and what is beyond `keep` is deleted
 * once the spool is quiet.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { SpareFiles } from "../../src/spool/mod.ts";

function filesIn(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((entry) => entry.name).filter((name) =>
    !name.endsWith(".lock")
  );
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), what);
}

Deno.test("while mail moves, finished files are parked up to max, past what the pool keeps", async () => {
  const root = makeTestDir({ prefix: "pillarbox-spare-trim-" });
  const dir = join(root, "spare");
  const pool = (await SpareFiles.open(dir, { target: 0, max: 30, keep: 6, quietMs: 3_600_000 }))!;
  for (let i = 0; i < 25; i++) {
    Deno.writeTextFileSync(join(root, `m${i}`), "a finished message", { mode: 0o600 });
    await pool.recycle(join(root, `m${i}`));
  }
  await eventually(() => pool.count === 25, `${pool.count} of 25 parked`);
  assert.equal(filesIn(dir).length, 25);
  pool.close();
});

Deno.test("once quiet, the pool deletes what it holds beyond keep, and keeps the rest", async () => {
  const root = makeTestDir({ prefix: "pillarbox-spare-trim-" });
  const dir = join(root, "spare");
  Deno.mkdirSync(dir, { mode: 0o700 });
  for (let i = 0; i < 25; i++) Deno.writeFileSync(join(dir, `s${i}`), new Uint8Array(0));
  const pool = (await SpareFiles.open(dir, { target: 2, max: 30, keep: 6, quietMs: 50 }))!;
  assert.equal(pool.count, 25, "every empty file found at start is a spare");
  await eventually(() => pool.count === 6 && filesIn(dir).length === 6, "trimmed to 6");
  const spare = pool.take();
  assert.ok(spare, "what is kept is still usable");
  spare.file.close();
  pool.close();
});

Deno.test("without keep, the pool keeps all it may park", async () => {
  const root = makeTestDir({ prefix: "pillarbox-spare-trim-" });
  const dir = join(root, "spare");
  Deno.mkdirSync(dir, { mode: 0o700 });
  for (let i = 0; i < 8; i++) Deno.writeFileSync(join(dir, `s${i}`), new Uint8Array(0));
  const pool = (await SpareFiles.open(dir, { target: 4, max: 10, quietMs: 20 }))!;
  await new Promise((r) => setTimeout(r, 300)); // a tidy would have run by now
  assert.equal(pool.count, 8);
  assert.equal(filesIn(dir).length, 8);
  pool.close();
});
