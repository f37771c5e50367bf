/**
 * The spare pool's timers run on the monotonic clock: a wall clock set back
 * (NTP, by hand) must not keep a deleted message's bytes on disk past the
 * linger time the README promises.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { SpareFiles } from "../../src/spool/mod.ts";

async function until(isDone: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!isDone() && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

Deno.test("a parked file is emptied after its linger time although the clock was set back a day", async () => {
  const root = makeTestDir({ prefix: "pillarbox-spare-clock-" });
  const dir = join(root, "spare");
  const pool = await SpareFiles.open(dir, {
    target: 0,
    max: 40,
    quietMs: 3_600_000,
    lingerMs: 300,
  });
  assert.ok(pool !== null);
  const wallNow = Date.now;
  try {
    Deno.writeTextFileSync(join(root, "m0"), "a deleted message", { mode: 0o600 });
    await pool.recycle(join(root, "m0"));
    await until(() => pool.count >= 1, 5_000);
    assert.equal(pool.count, 1);
    Date.now = () => wallNow() - 86_400_000;
    const sizes = () =>
      [...Deno.readDirSync(dir)].map((entry) => Deno.statSync(join(dir, entry.name)).size);
    await until(() => sizes().every((size) => size === 0), 5_000);
    assert.deepEqual(sizes(), [0]);
  } finally {
    Date.now = wallNow;
    pool.close();
  }
});
