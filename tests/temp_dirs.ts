/**
 * Temporary directories and files for tests, removed when the test process ends.
 *
 * A test that fails, or a spool a stopped server left for the next one,
 * would otherwise stay in $TMPDIR: a suite run used to leave some 300
 * directories there (spools, certificates, Maildirs).
 */

const made: string[] = [];
let isHooked = false;

function removeAll(): void {
  for (const dir of made) {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // Removed by its test already (or never made), or a disk still mounted on it.
    }
  }
}

function removeAtExit(path: string): string {
  made.push(path);
  if (!isHooked) {
    isHooked = true;
    globalThis.addEventListener("unload", removeAll);
  }
  return path;
}

/** `Deno.makeTempDirSync`, and the directory goes when the test process ends. */
export function makeTestDir(options: Deno.MakeTempOptions = {}): string {
  return removeAtExit(Deno.makeTempDirSync(options));
}

/**
 * `Deno.makeTempFileSync`, removed when the test process ends; with a path,
 * that file (which something else makes) is removed then.
 */
export function makeTestFile(options: Deno.MakeTempOptions | string = {}): string {
  return removeAtExit(typeof options === "string" ? options : Deno.makeTempFileSync(options));
}
