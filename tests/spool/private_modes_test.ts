/**
 * Files the server makes are private even under a permissive umask (000):
 * the wake requests of `queue retry` and `sendmail` too, not only messages.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { requestWake } from "../../src/spool/mod.ts";

Deno.test("a wake request is mode 0600 under umask 000", async () => {
  const spoolDir = makeTestDir({ prefix: "pb-modes-" });
  const previous = Deno.umask(0);
  try {
    await requestWake(spoolDir, "abc123");
    const info = await Deno.stat(join(spoolDir, "queue", "wake", "abc123"));
    assert.equal((info.mode ?? 0) & 0o777, 0o600);
  } finally {
    Deno.umask(previous);
    await Deno.remove(spoolDir, { recursive: true });
  }
});
