/**
 * Who is using a queue file: the server's delivery runner holds a shared
 * lock (flock) on a message's file for the whole of an attempt, from before
 * it reads the message until the attempt is recorded; `pillarbox queue
 * delete` takes an exclusive one while it unlinks the file. So the command
 * knows, and says, when an attempt was in flight (its recipients may get the
 * message), and an attempt that starts while the command deletes waits for
 * it and then finds the message gone, instead of delivering what the
 * command reported deleted. The lock lives on the open file, not the name,
 * and goes with the process: a server killed mid-attempt leaves none. The
 * runner lets go just before it removes a finished message's file: held
 * open, the file's blocks would be freed by the runner's close, on the main
 * thread (the drain lost ~15% to it); a `queue delete` in that instant says
 * "deleted" of a message the attempt had already delivered.
 */

/** What {@link deleteQueueFile} did. */
export type QueueFileDeletion = "deleted" | "deleted-in-flight" | "missing";

/** A queue file held for a delivery attempt: open, locked, and its size once locked. */
export interface HeldQueueFile {
  file: Deno.FsFile;
  sizeBytes: number;
}

/**
 * The queue file at `path`, open and locked (shared) for a delivery
 * attempt: read the message through it (no second open), and close it when
 * the attempt is recorded. Null when the message is gone: deleted before
 * this, while this waited for a `queue delete` to finish, or between this
 * open and this lock.
 */
export async function holdForAttempt(path: string): Promise<HeldQueueFile | null> {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  try {
    // Only `queue delete` locks exclusively, and only while it unlinks the file.
    if (!file.tryLockSync(false)) await file.lock(false);
    // Unlinked by the command whose lock this waited for, or by one between the open and the lock.
    const info = file.statSync();
    if (info.nlink === 0) {
      file.close();
      return null;
    }
    return { file, sizeBytes: info.size };
  } catch (error) {
    file.close();
    throw error;
  }
}

/**
 * Deletes the queue file at `path` (for `queue delete`), saying whether a
 * delivery attempt held it at that moment. An attempt about to start waits
 * until the file is gone, and then does not deliver it. A second `queue
 * delete` of it at the same time waits for the first, and finds it missing.
 */
export async function deleteQueueFile(path: string): Promise<QueueFileDeletion> {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "missing";
    if (!(error instanceof Deno.errors.PermissionDenied)) throw error;
    // Another user's file (README, Users and permissions): no attempt can hold what this
    // user, the server's, may not open, and removing it needs only the folder.
    return unlinkQueueFile(path);
  }
  try {
    let isIdle = file.tryLockSync(true);
    // Not even a shared lock: another command holds it exclusively, deleting it right now.
    if (!isIdle && !file.tryLockSync(false)) {
      await file.lock(true);
      isIdle = true;
    }
    const deletion = unlinkQueueFile(path);
    return deletion === "deleted" && !isIdle ? "deleted-in-flight" : deletion;
  } finally {
    file.close();
  }
}

function unlinkQueueFile(path: string): "deleted" | "missing" {
  try {
    Deno.removeSync(path);
    return "deleted";
  } catch (error) {
    // Finished (and removed, or parked as a spare) by the server since the open.
    if (error instanceof Deno.errors.NotFound) return "missing";
    throw error;
  }
}
