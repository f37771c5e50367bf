/**
 * Whether something is at `path` (a dangling symbolic link counts: lstat). Any error but
 * NotFound is thrown, so a test cannot read "no permission" as "gone".
 */
export function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
