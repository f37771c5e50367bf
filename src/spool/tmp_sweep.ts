/**
 * The start-up sweep of `queue/tmp/`. The server's own files there (a
 * message being written, a spilled DATA, a state file being replaced) are
 * garbage once it restarts: nothing of this server writes yet. The commands
 * that share its spool (`sendmail`, `queue`) write there too, and may be
 * doing so right now, while this server starts: their files carry
 * {@link COMMAND_TMP_PREFIX} and go only once nobody has touched them for
 * an hour (a command that was killed), so a start never pulls a message
 * from under a `sendmail` that is about to queue it.
 */
import { join } from "node:path";

/** The name prefix of what a command (not the server) writes into `queue/tmp/`. */
export const COMMAND_TMP_PREFIX = "cmd-";

/** A command's file untouched this long is a leftover of one that was killed. */
const STALE_COMMAND_TMP_MS = 3600 * 1000;

/** Removes the leftovers in `tmpDir` (see above); returns how many. */
export async function sweepQueueTmp(tmpDir: string, nowMs = Date.now()): Promise<number> {
  let swept = 0;
  for await (const entry of Deno.readDir(tmpDir)) {
    const path = join(tmpDir, entry.name);
    if (entry.name.startsWith(COMMAND_TMP_PREFIX) && !(await isStale(path, nowMs))) continue;
    await Deno.remove(path).then(() => swept++, () => {});
  }
  return swept;
}

/** Whether the file was not written for an hour (false if it is gone). */
async function isStale(path: string, nowMs: number): Promise<boolean> {
  const info = await Deno.lstat(path).catch(() => null);
  if (info === null) return false;
  return nowMs - (info.mtime?.getTime() ?? 0) > STALE_COMMAND_TMP_MS;
}
