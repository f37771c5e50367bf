/**
 * Wake-up requests from other processes: `pillarbox sendmail` and
 * `pillarbox queue retry QID` write an empty file `queue/wake/<qid>`, and
 * `queue retry --all` one file `queue/wake/all` (one file, not one per
 * message: a queue of 20,000 took 10 s to ask for); a running server's
 * delivery runner polls the folder every second, takes each request
 * (removing the file) and attempts those messages at once. A lost request
 * costs nothing but latency: the runner also rescans the queue.
 */
import { dirname, join } from "node:path";
import { pathExists } from "./path_exists.ts";
import { checkFolderToWrite, giveTo, makeFoldersToWrite, ownerToGive } from "./ownership.ts";

/** The wake folder of a spool directory. */
function wakeDir(spoolDir: string): string {
  return join(spoolDir, "queue", "wake");
}

/** The request that stands for every queued message (never a queue id: those are hex). */
export const WAKE_ALL = "all";

/** Asks a running server to look at `qid` (or WAKE_ALL) now; harmless when none runs. */
export async function requestWake(spoolDir: string, qid: string): Promise<void> {
  const dir = wakeDir(spoolDir);
  // Run as root on the service user's spool: the folder and the request are that user's, or
  // the server could not read (nor empty) the folder ever again.
  const owner = await ownerToGive(dirname(dir)) ?? await ownerToGive(spoolDir);
  const isQueueMade = !(await pathExists(dirname(dir)));
  await makeFoldersToWrite([dirname(dir), dir], owner);
  checkFolderToWrite(dirname(dir), owner);
  checkFolderToWrite(dir, owner);
  // queue/ too when made here, before any server started (a root cron's `sendmail -q`).
  if (isQueueMade) await giveTo(dirname(dir), owner);
  await giveTo(dir, owner);
  // A new file only (O_EXCL): a symlink the spool's owner left under that name is never
  // written through (run as root, to /etc/shadow). One already there is the same request.
  try {
    await Deno.writeFile(join(dir, qid), new Uint8Array(), { mode: 0o600, createNew: true });
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return;
    throw error;
  }
  // A running server may have taken (removed) the request already: that is what it was for.
  await giveTo(join(dir, qid), owner).catch((error: unknown) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
}

/** Takes (and removes) every pending wake request; returns the queue ids (and WAKE_ALL). */
export async function takeWakeRequests(spoolDir: string): Promise<string[]> {
  const dir = wakeDir(spoolDir);
  const ids: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isFile || !/^[0-9a-z]+$/.test(entry.name)) continue;
      await Deno.remove(join(dir, entry.name)).catch(() => {});
      ids.push(entry.name);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return ids;
}
