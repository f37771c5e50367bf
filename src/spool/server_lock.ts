/**
 * One server per spool. `serve` holds an exclusive lock on
 * `<spool-dir>/queue/server.lock` for as long as it runs; the kernel drops
 * it when the process ends, however it ends. Two servers on one spool would
 * both deliver every queued message, and each would sweep the other's
 * unfinished files out of `tmp/` at start. The CLI commands (`queue`,
 * `sendmail`, `user`) take no such lock: they are made to run beside a server.
 */
import { join } from "node:path";

/** The name of the lock file inside `<spool-dir>/queue/`. */
export const SERVER_LOCK_NAME = "server.lock";

/** Another process holds the spool. */
export class SpoolInUseError extends Error {
  override name = "SpoolInUseError";
}

/** A held lock; `release` lets the next server have the spool. */
export interface ServerLock {
  release(): void;
}

/** Takes the spool for this process, or throws SpoolInUseError at once if another server has it. */
export async function lockSpoolForServer(spoolDir: string): Promise<ServerLock> {
  const queueDir = join(spoolDir, "queue");
  await Deno.mkdir(queueDir, { recursive: true, mode: 0o700 });
  const path = join(queueDir, SERVER_LOCK_NAME);
  const file = await Deno.open(path, { write: true, create: true, mode: 0o600 });
  if (!file.tryLockSync(true)) {
    file.close();
    throw new SpoolInUseError(
      `Another pillarbox server is running on --spool-dir "${spoolDir}" (it holds ${path}); ` +
        "stop it first",
    );
  }
  let isHeld = true;
  return {
    release() {
      if (!isHeld) return;
      isHeld = false;
      file.close(); // closing releases the lock
    },
  };
}
