/** The server under test: a subprocess with its own spool, plus /proc readings of it. */
import { RUNTIME_FLAGS, SERVER_ENV } from "../server_runtime.ts";

export interface ServerProcess {
  smtpPort: number;
  pid: number;
  /** Files in bob@example.test's Maildir new/. */
  countDelivered(): number;
  /**
   * Waits (at most `timeoutMs`) until the server has filled its spare files
   * (`queue/spare/`), the start-up work a server does in its first quiet
   * second; returns how many there are.
   */
  settle(options: { spares: number; timeoutMs: number }): Promise<number>;
  usage(): Promise<Usage>;
  stop(): Promise<void>;
}

const decoder = new TextDecoder();
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time so far and memory now. */
export interface Usage {
  cpuUs: number;
  rssMb: number;
  /**
   * The private part of the RSS (RssAnon: heaps, stacks). The rest is pages
   * of the Deno executable itself, shared with other Deno processes and
   * dropped by the kernel under memory pressure.
   */
  anonMb: number;
  peakRssMb: number;
}

/** Reads CPU time (user+system) and memory of `pid` from /proc. */
export async function processUsage(pid: number): Promise<Usage> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return {
    cpuUs: (ticks / CLOCK_TICKS_PER_SECOND) * 1e6,
    rssMb: Math.round(kb("VmRSS") / 1024),
    anonMb: Math.round(kb("RssAnon") / 1024),
    peakRssMb: Math.round(kb("VmHWM") / 1024),
  };
}

/** Starts `main.ts serve` on port 0 with an account bob@example.test. */
export async function startBenchServer(
  options: { root: string; spoolDir: string; extraFlags?: string[] },
): Promise<ServerProcess> {
  await Deno.mkdir(options.spoolDir, { recursive: true });
  const main = `${options.root}main.ts`;
  const hasUsers = await Deno.stat(`${options.spoolDir}/users`).then(() => true, () => false);
  if (!hasUsers) { // a restart on the same spool (the drain) keeps its account
    const add = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        main,
        "user",
        "add",
        "bob@example.test",
        `--spool-dir=${options.spoolDir}`,
        "--domains=example.test", // as the server is started below (else user add warns)
      ],
      stdin: "piped",
      stdout: "null",
      stderr: "inherit",
    }).spawn();
    const writer = add.stdin.getWriter();
    await writer.write(new TextEncoder().encode("benchpass\n"));
    await writer.close();
    await add.status;
  }
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      // As `deno task start` and the compiled binary run it.
      ...RUNTIME_FLAGS,
      main,
      "serve",
      `--spool-dir=${options.spoolDir}`,
      "--hostname=bench.test",
      "--domains=example.test",
      "--smtp-listen=127.0.0.1:0",
      "--submission-listen=",
      "--pop3-listen=",
      "--imap-listen=",
      "--max-connections=1000",
      ...(options.extraFlags ?? []),
    ],
    // As `deno task start` runs it: no update check (about 2 MB of RSS in `deno run`).
    env: SERVER_ENV,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let port = 0;
  let log = "";
  const reader = child.stderr.getReader();
  while (port === 0) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`server exited early:\n${log}`);
    log += decoder.decode(value);
    const match = /event=listen proto=smtp .*?port=(\d+)/.exec(log);
    if (match && /event=server\.ready/.test(log)) port = Number(match[1]);
  }
  // Keep draining stderr so the server never blocks on a full pipe.
  (async () => {
    while (!(await reader.read()).done) { /* discard */ }
  })();
  const newDir = `${options.spoolDir}/mail/example.test/bob/new`;
  return {
    smtpPort: port,
    pid: child.pid,
    countDelivered: () => {
      try {
        let n = 0;
        for (const _ of Deno.readDirSync(newDir)) n++;
        return n;
      } catch {
        return 0;
      }
    },
    settle: async ({ spares, timeoutMs }) => {
      const spareDir = `${options.spoolDir}/queue/spare`;
      const count = () => {
        try {
          return [...Deno.readDirSync(spareDir)].length;
        } catch {
          return 0;
        }
      };
      const deadline = performance.now() + timeoutMs;
      while (count() < spares && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return count();
    },
    usage: () => processUsage(child.pid),
    stop: async () => {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}
