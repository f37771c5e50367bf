/**
 * A server's system calls in the order they finished, read from an strace
 * log (`-f -y`: every thread, descriptors shown with their paths), for tests
 * that check the order of writes, syncs, renames and replies on the wire
 * without timing anything.
 */

/** One finished system call. */
export interface TracedCall {
  /** Where it finished among all calls, from 0. */
  index: number;
  name: string;
  /** The argument text as strace printed it. */
  args: string;
  /** The return value, e.g. "0" or "-1 EIO (Input/output error)". */
  result: string;
}

/**
 * A `wrap` for `startServer`: the server runs under strace, which logs every
 * call of `syscalls` to `logFile` (strings up to `stringBytes` long).
 */
export function tracing(
  options: { syscalls: string[]; logFile: string; stringBytes?: number },
): string[] {
  return [
    "strace",
    "-f",
    "--seccomp-bpf",
    "-qq",
    "-y",
    "-s",
    String(options.stringBytes ?? 64),
    "-o",
    options.logFile,
    "-e",
    `trace=${options.syscalls.join(",")}`,
  ];
}

const CALL = /^(\d+) +(\w+)\((.*)$/;
const RESUMED = /^(\d+) +<\.\.\. (\w+) resumed>(.*)$/;
const UNFINISHED = " <unfinished ...>";

/** The calls in `logText`, in the order they returned (a call split across two lines counts at its end). */
export function parseTrace(logText: string): TracedCall[] {
  const pending = new Map<string, { name: string; head: string }>();
  const calls: TracedCall[] = [];
  const finish = (name: string, text: string) => {
    // strace pads the " = result" to a column.
    const end = /^(.*)\) +=\s(.*)$/.exec(text);
    if (!end) return; // killed inside the call: it never returned
    calls.push({ index: calls.length, name, args: end[1]!, result: end[2]! });
  };
  for (const line of logText.split("\n")) {
    const resumed = RESUMED.exec(line);
    if (resumed) {
      const [, pid, name, rest] = resumed as unknown as [string, string, string, string];
      const start = pending.get(pid);
      pending.delete(pid);
      if (start?.name === name) finish(name, start.head + rest);
      continue;
    }
    const call = CALL.exec(line);
    if (!call) continue;
    const [, pid, name, text] = call as unknown as [string, string, string, string];
    if (text.endsWith(UNFINISHED)) {
      pending.set(pid, { name, head: text.slice(0, -UNFINISHED.length) });
    } else finish(name, text);
  }
  return calls;
}

/** The path of the descriptor a call's first argument names (`-y` prints `31</a/b>`). */
export function descriptorPath(call: TracedCall): string | null {
  return /^\d+<(.*?)>(?:,|$)/.exec(call.args)?.[1] ?? null;
}

/** The quoted strings among a call's arguments (paths for link, rename and their *at forms). */
export function quotedArgs(call: TracedCall): string[] {
  return [...call.args.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) => match[1]!);
}
