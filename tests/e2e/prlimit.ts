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

/**
 * Python for a test's script: `choke(pid)` lowers the running server's
 * descriptor limit to its lowest free descriptor, so that no file or socket
 * can be opened; `unchoke(pid)` gives back what it had. Linux (/proc).
 */
export const CHOKE_PY = `
import os, subprocess
def _limits(pid):
    for line in open(f"/proc/{pid}/limits"):
        if line.startswith("Max open files"):
            return line.split()[3]
def choke(pid):
    used = {int(fd) for fd in os.listdir(f"/proc/{pid}/fd")}
    free = 0
    while free in used:
        free += 1
    before = _limits(pid)
    subprocess.run(["prlimit", "--pid", str(pid), f"--nofile={free}:"], check=True)
    return before
def unchoke(pid, before):
    subprocess.run(["prlimit", "--pid", str(pid), f"--nofile={before}:"], check=True)
`;
