/** Running the server with a low file-descriptor limit (`prlimit` from util-linux). */

function prlimitWorks(): boolean {
  try {
    return new Deno.Command("prlimit", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/** True when `prlimit` is installed (the tests that need it skip otherwise). */
export const HAS_PRLIMIT: boolean = prlimitWorks();

/** `startServer`'s `wrap` for a server allowed `files` open descriptors. */
export function withFileLimit(files: number): string[] {
  return ["prlimit", `--nofile=${files}:${files}`];
}
