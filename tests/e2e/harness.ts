/**
 * Starts the real server as a subprocess on port 0 with a temporary spool,
 * reads the bound ports from its log, and drives it with clients nobody
 * here wrote (Python's smtplib, poplib, imaplib) or raw sockets.
 */
import { makeTestDir, makeTestFile } from "../temp_dirs.ts";
import { fileURLToPath } from "node:url";
import { PERMISSIONS, RUNTIME_FLAGS, SERVER_ENV } from "../../scripts/server_runtime.ts";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = ROOT + "main.ts";
/** The environment `deno task start` gives the server. */
export { SERVER_ENV };

/** The runtime flags `deno task start` and the compiled binary have: tests prove they suffice. */
const SERVER_PERMISSIONS = [...RUNTIME_FLAGS, ...PERMISSIONS];
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Every listener, bound to 127.0.0.1:0 unless the test says otherwise. */
const LISTENERS = ["smtp", "submission", "pop3", "imap"] as const;

/** A running Pillarbox subprocess. */
export interface Server {
  spoolDir: string;
  /** Bound ports by listener name ("smtp", "submission", ...). */
  ports: Record<string, number>;
  /** The server process's id (not a wrapper's). */
  readonly pid: number;
  /** Everything the server logged so far. */
  log(): string;
  /** Resolves with the first log line matching `pattern` (deadline `timeoutMs`). */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends `signal` (e.g. "SIGHUP") without waiting for anything. */
  signal(signal: Deno.Signal): void;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
  /** Resolves when the server process has ended, for whatever reason. */
  exited: Promise<Deno.CommandStatus>;
}

/** Options for `startServer`. */
export interface StartOptions {
  /** Reuse this spool (restart tests); a new temporary one otherwise. */
  spoolDir?: string;
  flags?: string[];
  /** Accounts to create before start: address -> password. */
  users?: Record<string, string>;
  /** Text of the aliases file. */
  aliases?: string;
  /**
   * A command the server runs under, e.g. `["strace", ...options]` (the
   * server's own command follows). Signals then go to the server itself: a
   * tracer does not pass them on.
   */
  wrap?: string[];
  /** Extra environment for the server (e.g. DENO_CERT: a CA to trust). */
  env?: Record<string, string>;
}

/** A fresh temporary directory owned by one test. */
export function tempDir(prefix = "pillarbox-test-"): string {
  return makeTestDir({ prefix });
}

/** `serve` flags for a server in `spoolDir` with an SMTP listener only, on a free loopback port. */
export function smtpOnlyFlags(spoolDir: string): string[] {
  return [
    `--spool-dir=${spoolDir}`,
    "--hostname=mx.test",
    "--domains=example.test",
    "--smtp-listen=127.0.0.1:0",
    "--submission-listen=",
    "--pop3-listen=",
    "--imap-listen=",
  ];
}

/** Arguments for `deno` that run `main.ts serve` with `flags`, as `deno task start` runs it. */
export function serveArgs(flags: string[]): string[] {
  return ["run", ...SERVER_PERMISSIONS, MAIN, "serve", ...flags];
}

/** Runs `main.ts` with `args` to completion (CLI tests). */
export async function runCli(
  args: string[],
  options: { stdin?: string; cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...SERVER_PERMISSIONS, "--quiet", MAIN, ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    cwd: options.cwd,
    env: { NO_COLOR: "1" },
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(encoder.encode(options.stdin ?? ""));
  await writer.close();
  const output = await child.output();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Starts the server and waits until every listener has reported its port. */
export async function startServer(options: StartOptions = {}): Promise<Server> {
  const spoolDir = options.spoolDir ?? tempDir();
  for (const [address, password] of Object.entries(options.users ?? {})) {
    const result = await runCli(["user", "add", address, `--spool-dir=${spoolDir}`], {
      stdin: password + "\n",
    });
    if (result.code !== 0) throw new Error(`user add ${address} failed: ${result.stderr}`);
  }
  if (options.aliases !== undefined) {
    await Deno.writeTextFile(`${spoolDir}/aliases`, options.aliases);
  }
  const flags = [
    `--spool-dir=${spoolDir}`,
    "--hostname=mx.test",
    "--domains=example.test,other.test",
    ...LISTENERS.map((name) => `--${name}-listen=127.0.0.1:0`),
    // Never the system resolver: tests talk to loopback only. A closed port makes
    // every MX lookup fail transiently, so remote mail waits in the queue unless
    // a test gives its own --dns-server or --route.
    "--dns-server=127.0.0.1:9",
    // A small pool: the default 1,024 would have each test server create a
    // thousand files in its first quiet second (a test may ask for more).
    "--spare-files=64",
    ...(options.flags ?? []),
  ];
  let command = [Deno.execPath(), "run", ...SERVER_PERMISSIONS, MAIN, "serve", ...flags];
  /** Where a wrapped server's pid is written: a shell notes its own, then becomes the server. */
  const pidFile = options.wrap ? makeTestFile({ prefix: "pillarbox-pid-" }) : null;
  if (options.wrap && pidFile) {
    command = [...options.wrap, "sh", "-c", 'echo $$ > "$0" && exec "$@"', pidFile, ...command];
  }
  const [program, ...args] = command as [string, ...string[]];
  const child = new Deno.Command(program, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { ...SERVER_ENV, NO_COLOR: "1", ...options.env },
  }).spawn();
  let logText = "";
  const watchers: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  // Whole lines only: the server writes its log in batches, and a pipe read can end
  // in the middle of a line, whose fields a test reads from the matched line.
  const completeLines = () => logText.slice(0, logText.lastIndexOf("\n") + 1).split("\n");
  const consume = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) {
      logText += decoder.decode(chunk, { stream: true });
      for (const watcher of [...watchers]) {
        const line = completeLines().find((l) => watcher.pattern.test(l));
        if (line !== undefined) {
          watchers.splice(watchers.indexOf(watcher), 1);
          watcher.resolve(line);
        }
      }
    }
  };
  const pumps = Promise.all([consume(child.stderr), consume(child.stdout)]);
  const status = child.status;
  const waitForLog = (pattern: RegExp, timeoutMs = 10_000) =>
    new Promise<string>((resolve, reject) => {
      const line = completeLines().find((l) => pattern.test(l));
      if (line !== undefined) return resolve(line);
      const timer = setTimeout(() => {
        watchers.splice(watchers.findIndex((w) => w.pattern === pattern), 1);
        reject(
          new Error(`No log line matching ${pattern} within ${timeoutMs} ms. Log:\n${logText}`),
        );
      }, timeoutMs);
      watchers.push({
        pattern,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
    });
  const ready = await Promise.race([
    waitForLog(/event=server\.ready/, 15_000),
    status.then(async (s) => {
      // Its last words may still be in the pipe when the exit is seen: read them first.
      await pumps;
      throw new Error(`server exited with ${s.code} before ready:\n${logText}`);
    }),
  ]);
  void ready;
  const ports: Record<string, number> = {};
  for (const match of logText.matchAll(/event=listen proto=(\S+) .*?port=(\d+)/g)) {
    ports[match[1] as string] = Number(match[2]);
  }
  let isStopped = false;
  const sendSignal = (signal: Deno.Signal) => {
    if (pidFile === null) return child.kill(signal);
    Deno.kill(Number(Deno.readTextFileSync(pidFile)), signal);
  };
  const finish = async (signal: Deno.Signal) => {
    if (isStopped) return;
    isStopped = true;
    try {
      sendSignal(signal);
    } catch { /* already gone */ }
    await status;
    await pumps;
    if (pidFile !== null) await Deno.remove(pidFile).catch(() => {});
  };
  return {
    spoolDir,
    ports,
    // A wrapper's shell noted its own id before it became the server.
    pid: pidFile === null ? child.pid : Number(Deno.readTextFileSync(pidFile)),
    log: () => logText,
    waitForLog,
    signal: sendSignal,
    stop: () => finish("SIGTERM"),
    kill: () => finish("SIGKILL"),
    // Resolved once the log is read to its end too: the last lines (a forced stop's) can
    // still be in the pipe when the process has already exited.
    exited: status.then(async (result) => {
      await pumps;
      return result;
    }),
  };
}

/** Runs a Python 3 script with `args`; returns stdout, throws with stderr on failure. */
export async function python(script: string, args: (string | number)[] = []): Promise<string> {
  const output = await new Deno.Command("python3", {
    args: ["-c", script, ...args.map(String)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = decoder.decode(output.stdout);
  if (!output.success) {
    throw new Error(`python failed (${output.code}):\n${decoder.decode(output.stderr)}\n${stdout}`);
  }
  return stdout;
}

/** Files in a Maildir's new/ (or cur/) folder, sorted. */
export function maildirFiles(spoolDir: string, account: string, sub = "new"): string[] {
  const [local, domain] = account.split("@");
  const dir = `${spoolDir}/mail/${domain}/${local}/${sub}`;
  try {
    return [...Deno.readDirSync(dir)].map((entry) => `${dir}/${entry.name}`).sort();
  } catch {
    return [];
  }
}

/** Waits until `check()` is true, polling the filesystem (deadline, not a sleep). */
export async function waitUntil(
  check: () => boolean,
  timeoutMs = 10_000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
