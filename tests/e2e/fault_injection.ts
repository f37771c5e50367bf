/**
 * Fault injection for the end-to-end tests: the real server runs under
 * strace, which makes chosen system calls fail (EIO, ENOSPC, EMFILE) or
 * kills the server at one of them. Tests that use it skip where strace is
 * missing or cannot trace (`ignore: !hasStrace`); CI installs it.
 */
import { python, type StartOptions, startServer } from "./harness.ts";

/** Whether strace is installed and may trace a program here. */
export const hasStrace = (() => {
  try {
    return new Deno.Command("strace", {
      args: ["-qq", "-o", "/dev/null", "true"],
      stdout: "null",
      stderr: "null",
    }).outputSync().success;
  } catch {
    return false;
  }
})();

/**
 * A `wrap` for `startServer`: every call of `syscalls` that touches one of
 * `paths` (a file or directory, by name or by an open descriptor) fails with
 * `errno`; nothing else is slowed (seccomp lets other calls through).
 */
export function failing(options: { syscalls: string[]; errno: string; paths: string[] }): string[] {
  const set = options.syscalls.join(",");
  return [
    "strace",
    "-f",
    "--seccomp-bpf",
    "-qq",
    "-o",
    "/dev/null",
    ...options.paths.flatMap((path) => ["-P", path]),
    "-e",
    `trace=${set}`,
    "-e",
    `inject=${set}:error=${options.errno}`,
  ];
}

/**
 * A `wrap` for `startServer`: the server is killed (SIGKILL, on entering the
 * call, so the call itself never runs) at the `when`-th call of `syscalls`
 * that touches one of `paths` (exact names: a file, or a directory by an
 * open descriptor). strace counts `when` per thread, and the server makes
 * most file calls from a pool of threads: only 1 is exact.
 */
export function killingAt(
  options: { syscalls: string[]; paths: string[]; when?: number },
): string[] {
  const set = options.syscalls.join(",");
  // Without --seccomp-bpf: under it the call runs before the signal lands.
  return [
    "strace",
    "-f",
    "-qq",
    "-o",
    "/dev/null",
    ...options.paths.flatMap((path) => ["-P", path]),
    "-e",
    `trace=${set}`,
    "-e",
    `inject=${set}:signal=SIGKILL:when=${options.when ?? 1}`,
  ];
}

/**
 * Runs the server under `wrap` (see `killingAt`) until it is killed, before
 * or after it got ready; throws if it is still running after `timeoutMs`
 * (the kill point was never reached) or ended any other way.
 */
export async function runUntilKilled(
  options: StartOptions & { wrap: string[] },
  timeoutMs = 10_000,
): Promise<void> {
  let server;
  try {
    server = await startServer(options);
  } catch (error) {
    if (/exited with 137 before ready/.test(String(error))) return;
    throw error;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<null>((resolve) =>
    timer = setTimeout(() => resolve(null), timeoutMs)
  );
  const status = await Promise.race([server.exited, expired]);
  clearTimeout(timer);
  if (status === null) {
    await server.stop();
    throw new Error(`The kill point was never reached. Log:\n${server.log()}`);
  }
  if (status.signal !== "SIGKILL" && status.code !== 137) {
    throw new Error(`The server ended with ${status.code}, not killed. Log:\n${server.log()}`);
  }
  await server.kill(); // collects its output
}

const SEND = `
import json, smtplib, sys
port, rcpts, subject = int(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
    s.ehlo("fault.test")
    s.mail("alice@remote.test")
    for rcpt in rcpts:
        s.rcpt(rcpt)
    code, text = s.data(("Subject: %s\\r\\n\\r\\nbody of %s\\r\\n" % (subject, subject)).encode())
print(json.dumps([code, text.decode()]))
`;

/** Sends one message with smtplib; returns the reply to its DATA: code and text. */
export async function sendOne(
  options: { port: number; rcpts: string[]; subject: string },
): Promise<[number, string]> {
  const out = await python(SEND, [options.port, JSON.stringify(options.rcpts), options.subject]);
  return JSON.parse(out) as [number, string];
}
