/**
 * A throwaway Postfix on loopback, for tests that need a real MTA on the other
 * side: its own main.cf, master.cf and queue in a temporary directory, its
 * master run in the foreground as our child (`master -d`), so stopping it is
 * one signal to a process we started. It never touches the system's Postfix
 * (its configuration, queue or service). Postfix's master must start as root:
 * tests use `ignore: !HAS_POSTFIX` and skip where it cannot run.
 */
import { freePort } from "./free_port.ts";
import { type Server, tempDir, waitUntil } from "./harness.ts";

const decoder = new TextDecoder();

function commandOutput(program: string, args: string[]): string | null {
  try {
    const output = new Deno.Command(program, { args, stdout: "piped", stderr: "null" })
      .outputSync();
    return output.success ? decoder.decode(output.stdout).trim() : null;
  } catch {
    return null;
  }
}

/** Where Postfix keeps its daemons (master, smtpd, ...), or null without Postfix. */
const DAEMON_DIRECTORY = commandOutput("postconf", ["-h", "-d", "daemon_directory"]);
const POSTFIX_UID = commandOutput("id", ["-u", "postfix"]);

/** True where a private Postfix can run: installed, a `postfix` user, and we are root. */
export const HAS_POSTFIX: boolean = DAEMON_DIRECTORY !== null && POSTFIX_UID !== null &&
  Deno.uid() === 0 && commandOutput("sh", ["-c", `test -x ${DAEMON_DIRECTORY}/master`]) !== null;

/** What the instance is told. */
export interface PostfixOptions {
  /** main.cf lines added after the defaults (they win). */
  main?: Record<string, string>;
  /** `-o name=value` options of the SMTP listener. */
  smtpd?: Record<string, string>;
  /** Files written into the instance's directory first (name -> text), e.g. access maps; dated a minute back, so Postfix reads them at once. */
  files?: Record<string, string>;
}

/** A running instance. */
export interface Postfix {
  /** The port its SMTP listener has on 127.0.0.1. */
  port: number;
  /** The instance's directory (its files are at `${dir}/<name>`). */
  dir: string;
  /** Messages in its queue (maildrop, incoming, active, deferred, hold): 0 once it is done. */
  queued(): number;
  /** Writes a table (e.g. a transport map named in `main`), before Postfix first reads it. */
  writeTable(name: string, text: string): Promise<void>;
  /** Runs Postfix's own `sendmail` for this instance with `args`, `text` on stdin; throws unless 0. */
  sendmail(args: string[], text: string): Promise<void>;
  stop(): Promise<void>;
}

/** The services an smtpd that receives mail, and Postfix's sendmail, need (master.cf, after the listener). */
const SERVICES = [
  "cleanup unix n - n - 0 cleanup",
  "qmgr unix n - n 300 1 qmgr",
  "rewrite unix - - n - - trivial-rewrite",
  "bounce unix - - n - 0 bounce",
  "defer unix - - n - 0 bounce",
  "trace unix - - n - 0 bounce",
  "verify unix - - n - 1 verify",
  "flush unix n - n 1000? 0 flush",
  "proxymap unix - - n - - proxymap",
  "showq unix n - n - - showq",
  "error unix - - n - - error",
  "retry unix - - n - - error",
  "discard unix - - n - - discard",
  "anvil unix - - n - 1 anvil",
  "scache unix - - n - 1 scache",
  // The SMTP client, for a transport that sends on (`smtp:[127.0.0.1]:port`).
  "smtp unix - - n - - smtp",
  // What Postfix's sendmail (postdrop) drops into maildrop/ is taken from there.
  "pickup fifo n - n 60 1 pickup",
];

/**
 * Starts a Postfix whose smtpd listens on 127.0.0.1 and discards what it
 * accepts (relay_domains and access maps decide what that is), unless
 * `transport_maps` sends it on.
 */
export async function startPostfix(options: PostfixOptions = {}): Promise<Postfix> {
  const dir = tempDir("pillarbox-postfix-");
  // The postfix user reaches its queue through here.
  await Deno.chmod(dir, 0o755);
  await Deno.mkdir(`${dir}/queue`);
  await Deno.mkdir(`${dir}/data`);
  await Deno.chown(`${dir}/data`, Number(POSTFIX_UID), null);
  for (const [name, text] of Object.entries(options.files ?? {})) {
    await writeAgedFile(`${dir}/${name}`, text);
  }
  const port = freePort();
  const main: Record<string, string> = {
    compatibility_level: "3.6",
    queue_directory: `${dir}/queue`,
    data_directory: `${dir}/data`,
    daemon_directory: DAEMON_DIRECTORY!,
    myhostname: "postfix.test",
    mydestination: "",
    inet_interfaces: "127.0.0.1",
    inet_protocols: "ipv4",
    mynetworks: "127.0.0.0/8",
    relay_transport: "discard:",
    default_transport: "discard:",
    local_recipient_maps: "",
    alias_maps: "",
    alias_database: "",
    smtputf8_enable: "yes",
    ...options.main,
  };
  await Deno.writeTextFile(
    `${dir}/main.cf`,
    Object.entries(main).map(([name, value]) => `${name} = ${value}\n`).join(""),
  );
  const smtpdOptions = Object.entries(options.smtpd ?? {}).map(([name, value]) =>
    ` -o ${name}=${value}`
  ).join("");
  await Deno.writeTextFile(
    `${dir}/master.cf`,
    [`127.0.0.1:${port} inet n - n - - smtpd${smtpdOptions}`, ...SERVICES].join("\n") + "\n",
  );
  // Makes the queue's folders with their owners and modes (warnings go to stderr).
  const check = await new Deno.Command("postfix", {
    args: ["-c", dir, "check"],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!check.success) throw new Error(`postfix check failed: ${decoder.decode(check.stderr)}`);
  const master = new Deno.Command(`${DAEMON_DIRECTORY}/master`, {
    args: ["-c", dir, "-d"],
    env: { MAIL_CONFIG: dir },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  await waitForListener(port, master.status);
  return {
    port,
    dir,
    queued: () => queuedFiles(`${dir}/queue`),
    writeTable: (name, text) => writeAgedFile(`${dir}/${name}`, text),
    sendmail: (args, text) => postfixSendmail(dir, args, text),
    stop: async () => {
      try {
        master.kill("SIGTERM");
      } catch { /* already gone */ }
      await master.status;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** Resolves once the listener takes a connection (deadline 10 s), or throws if master exited. */
async function waitForListener(port: number, exited: Promise<Deno.CommandStatus>): Promise<void> {
  let hasExited = false;
  void exited.then(() => hasExited = true);
  const deadline = Date.now() + 10_000;
  while (true) {
    if (hasExited) throw new Error("postfix master exited at start");
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`postfix did not listen on ${port}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/**
 * Writes `text` dated a minute back: Postfix reads a table file only once it
 * is a few seconds old (it might still be being written), and waits until then.
 */
async function writeAgedFile(path: string, text: string): Promise<void> {
  await Deno.writeTextFile(path, text);
  const minuteAgo = new Date(Date.now() - 60_000);
  await Deno.utime(path, minuteAgo, minuteAgo);
}

/**
 * The files in a queue's folders. A message moves between them by rename
 * (and a notice is queued before the message it reports on is removed), so
 * 0 means nothing is waiting.
 */
function queuedFiles(queueDir: string): number {
  let count = 0;
  const walk = (dir: string) => {
    for (const entry of Deno.readDirSync(dir)) {
      if (entry.isDirectory) walk(`${dir}/${entry.name}`);
      else count++;
    }
  };
  for (const name of ["maildrop", "incoming", "active", "deferred", "hold"]) {
    try {
      walk(`${queueDir}/${name}`);
    } catch { /* not made yet */ }
  }
  return count;
}

async function postfixSendmail(dir: string, args: string[], text: string): Promise<void> {
  const child = new Deno.Command("sendmail", {
    args: ["-C", dir, ...args],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const output = await child.output();
  if (!output.success) {
    throw new Error(`postfix sendmail failed (${output.code}): ${decoder.decode(output.stderr)}`);
  }
}

/** Waits until both our queue and Postfix's are empty: every message and notice delivered. */
export async function waitForBothQueues(server: Server, postfix: Postfix): Promise<void> {
  await waitUntil(
    () =>
      [...Deno.readDirSync(`${server.spoolDir}/queue/msg`)].length === 0 && postfix.queued() === 0,
    15_000,
    "both queues to empty",
  );
}
