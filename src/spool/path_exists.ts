/**
 * Whether a name is there (the link itself: a dangling symlink counts).
 * Only "not found" is an answer; any other failure (a folder we may not
 * search) is thrown, so the caller sees the real reason instead of a guess.
 */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
