/**
 * A `--spool-dir` the server cannot use (a path through a file, a directory
 * it may not write, a read-only file system) is the administrator's to fix,
 * like a bad flag: one line naming the flag and the path, status 2.
 */
import { ConfigError } from "../config/mod.ts";

/** What a failed mkdir/open in the spool says about the path, not about a passing state. */
function isPathProblem(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Deno.errors.NotADirectory ||
    error instanceof Deno.errors.AlreadyExists ||
    error instanceof Deno.errors.PermissionDenied ||
    error instanceof Deno.errors.NotFound ||
    error instanceof Deno.errors.FilesystemLoop ||
    code === "EROFS";
}

/** The ConfigError for `spoolDir` and `error`. */
function spoolDirError(spoolDir: string, error: unknown): ConfigError {
  const reason = error instanceof Error ? error.message : String(error);
  return new ConfigError(`Cannot use --spool-dir "${spoolDir}": ${reason}`);
}

/** Runs `open` (the server's spool); a path problem becomes a ConfigError naming --spool-dir. */
export async function openSpoolDir<T>(spoolDir: string, open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (error) {
    throw isPathProblem(error) ? spoolDirError(spoolDir, error) : error;
  }
}

/**
 * For `check`, which creates nothing: a spool directory that exists must be
 * a directory, and one that does not must be makeable (no file on its path).
 */
export async function checkSpoolDir(spoolDir: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(spoolDir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw spoolDirError(spoolDir, error);
  }
  if (!info.isDirectory) throw spoolDirError(spoolDir, new Error("not a directory"));
}

/**
 * For commands that read a server's spool (`queue`): one that does not exist
 * is a mistyped --spool-dir (no server has run there), not an empty queue to
 * make and report.
 */
export async function requireSpoolDir(spoolDir: string): Promise<void> {
  try {
    await Deno.stat(spoolDir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw spoolDirError(spoolDir, new Error("no such directory"));
    }
    // Anything else is for openSpoolDir to name, as for any other spool problem.
  }
}
