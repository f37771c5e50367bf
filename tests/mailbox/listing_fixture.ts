/** Helpers for tests of which Maildir folders a mailbox refresh lists. */

/** The folders Deno.readDir is asked to list while `body` runs (last path part only). */
export async function listedDirs<T>(
  body: () => Promise<T>,
): Promise<{ result: T; dirs: string[] }> {
  const original = Deno.readDir;
  const dirs: string[] = [];
  (Deno as { readDir: typeof Deno.readDir }).readDir = (path) => {
    dirs.push(String(path).replace(/.*\//, ""));
    return original(path);
  };
  try {
    return { result: await body(), dirs };
  } finally {
    (Deno as { readDir: typeof Deno.readDir }).readDir = original;
  }
}

/**
 * Puts cur/'s mtime at one fixed time in the past, as for a folder nobody
 * changed in the last second (a change made after this gives it a new one).
 */
export function ageCur(dir: string): void {
  const past = new Date("2024-01-01T00:00:00Z");
  Deno.utimeSync(`${dir}/cur`, past, past);
}
