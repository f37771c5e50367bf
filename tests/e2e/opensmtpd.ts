/**
 * A throwaway OpenSMTPD on loopback, as the MTA on the other side: run from
 * the Debian package unpacked by `.ci/run` (see exim.ts), with a
 * configuration of our own. Its queue, control socket and helper programs sit
 * at paths compiled in (/var/spool/smtpd, /run/smtpd.sock,
 * /usr/libexec/opensmtpd, /var/lib/opensmtpd/empty), so it runs in a mount
 * namespace of its own (`unshare -m`) where a temporary directory is bound
 * over each of those: the machine's own are never touched. Mail for
 * `smtpd.test` lands in one Maildir (`box`); mail for any other domain goes
 * to 127.0.0.1 on the port the test names (our server). It must start as
 * root and runs as its users `opensmtpd` and `opensmtpq`: tests use
 * `ignore: !HAS_OPENSMTPD` and skip, with the reason printed, where it cannot
 * run. (Its STARTTLS listener fails every handshake with this package's
 * OpenSSL 3, so it offers none; as a client its STARTTLS works.)
 */
import { EXIM_ROOT as MTAS, freePort, whyUnpackedCannotRun } from "./exim.ts";
import { tempDir, waitUntil } from "./harness.ts";

const SMTPD = `${MTAS}/usr/sbin/smtpd`;

function succeeds(program: string, args: string[]): boolean {
  try {
    return new Deno.Command(program, { args, stdout: "null", stderr: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
}

/** Directories bound over the compiled-in paths, by where they go. */
const BINDS = {
  "/var/lib": "var-lib",
  "/var/spool": "var-spool",
  "/run": "run",
} as const;

function whyNoOpensmtpd(): string | null {
  if (Deno.uid() !== 0) return "OpenSMTPD must start as root";
  if (!succeeds("test", ["-x", SMTPD])) {
    return `no unpacked OpenSMTPD at ${SMTPD} (.ci/run unpacks it)`;
  }
  const cannotRun = whyUnpackedCannotRun(SMTPD, ["-h"]);
  if (cannotRun !== null) return cannotRun;
  if (!succeeds("id", ["opensmtpd"]) || !succeeds("id", ["opensmtpq"])) {
    return "no opensmtpd/opensmtpq users (.ci/run makes them)";
  }
  // A mount namespace of its own, with a bind mount over each path it will need one on.
  const binds = [...Object.keys(BINDS), "/usr/libexec"].map((target) =>
    `mount --bind /tmp ${target}`
  );
  if (
    !succeeds("unshare", ["-m", "sh", "-c", ["mount --make-rprivate /", ...binds].join(" && ")])
  ) {
    return "no mount namespace with bind mounts may be made here (unshare -m)";
  }
  return null;
}

const reason = whyNoOpensmtpd();
/** True where a private OpenSMTPD can run. */
export const HAS_OPENSMTPD: boolean = reason === null;
if (reason !== null) console.warn(`OpenSMTPD tests skipped: ${reason}`);

/** What the instance is told. */
export interface OpensmtpdOptions {
  /** Its listener's port (from `freePort()`); a free one otherwise. */
  port?: number;
  /** The port mail for other domains goes to (our SMTP listener). */
  relayPort: number;
  /** A login for the relay host (then our submission port, say, with STARTTLS and `caFile`). */
  relayAuth?: { user: string; password: string };
  /** smtpd.conf lines before the listener (e.g. `smtp limit max-mails 2`). */
  config?: string[];
  /** A CA file: OpenSMTPD then requires STARTTLS to our server and verifies its certificate. */
  caFile?: string;
}

/** A running instance. */
export interface Opensmtpd {
  port: number;
  dir: string;
  /** The files delivered into its Maildir so far (new/), oldest name first. */
  delivered(): string[];
  /** Its log (`smtpd -d -v`) so far. */
  log(): string;
  stop(): Promise<void>;
}

/** Starts OpenSMTPD in a mount namespace of its own; resolves once it listens. */
export async function startOpensmtpd(options: OpensmtpdOptions): Promise<Opensmtpd> {
  const dir = tempDir("pillarbox-opensmtpd-");
  await Deno.chmod(dir, 0o755);
  for (const sub of Object.values(BINDS)) await Deno.mkdir(`${dir}/${sub}`);
  // Its processes chroot here (root's, not writable by them).
  await Deno.mkdir(`${dir}/var-lib/opensmtpd/empty`, { recursive: true });
  // Deliveries run as the user `virtual` maps every address to.
  await Deno.mkdir(`${dir}/box`, { mode: 0o777 });
  await Deno.chmod(`${dir}/box`, 0o777);
  await Deno.writeTextFile(`${dir}/vusers`, "@smtpd.test nobody\n");
  // A copy its unprivileged processes can read (the test's own may sit where only root reaches).
  const caFile = options.caFile ? `${dir}/ca.pem` : null;
  if (options.caFile && caFile) await Deno.copyFile(options.caFile, caFile);
  const port = options.port ?? freePort();
  const label = options.relayAuth ? "login@" : "";
  const relay = caFile
    ? `smtp+tls://${label}127.0.0.1:${options.relayPort}`
    : `smtp+notls://${label}127.0.0.1:${options.relayPort}`;
  if (options.relayAuth) {
    const { user, password } = options.relayAuth;
    await Deno.writeTextFile(`${dir}/secrets`, `login ${user}:${password}\n`, { mode: 0o600 });
  }
  const config = [
    // The CA it checks a server against is named by its own host name (smtpd.conf(5): ca).
    ...(caFile ? [`ca ${Deno.hostname()} cert "${caFile}"`] : []),
    ...(options.config ?? []),
    `table vusers file:${dir}/vusers`,
    `listen on 127.0.0.1 port ${port} hostname smtpd.test`,
    `action "local" maildir "${dir}/box" virtual <vusers>`,
    ...(options.relayAuth ? [`table secrets file:${dir}/secrets`] : []),
    `action "relay" relay host ${relay}${options.relayAuth ? " auth <secrets>" : ""}`,
    `match from any for domain "smtpd.test" action "local"`,
    `match from any for any action "relay"`,
    "",
  ].join("\n");
  await Deno.writeTextFile(`${dir}/smtpd.conf`, config);
  const check = new Deno.Command(SMTPD, {
    args: ["-n", "-f", `${dir}/smtpd.conf`],
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  if (!check.success) {
    throw new Error(`smtpd.conf refused: ${new TextDecoder().decode(check.stderr)}`);
  }
  const mounts = [
    "mount --make-rprivate /",
    ...Object.entries(BINDS).map(([target, sub]) => `mount --bind ${dir}/${sub} ${target}`),
    `mount --bind ${MTAS}/usr/libexec /usr/libexec`,
  ];
  // `exec`s all the way: the process we hold is smtpd's parent. Its log goes to a file, as its
  // children hold a pipe open after it has gone.
  const daemon = new Deno.Command("unshare", {
    args: [
      "-m",
      "sh",
      "-c",
      `${mounts.join(" && ")} && exec ${SMTPD} -d -v -f ${dir}/smtpd.conf > ${dir}/log 2>&1`,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  let hasExited = false;
  void daemon.status.then(() => hasExited = true);
  const log = () => {
    try {
      return Deno.readTextFileSync(`${dir}/log`);
    } catch {
      return "";
    }
  };
  try {
    await waitUntil(
      () => {
        if (hasExited) throw new Error("smtpd exited at start");
        return /smtpd: setup done/.test(log());
      },
      10_000,
      "OpenSMTPD to start",
    );
    await waitForListener(port);
  } catch (error) {
    if (!hasExited) daemon.kill("SIGTERM");
    await daemon.status;
    throw new Error(`${(error as Error).message}:\n${log()}`);
  }
  return {
    port,
    dir,
    delivered: () => {
      try {
        return [...Deno.readDirSync(`${dir}/box/new`)].map((entry) =>
          `${dir}/box/new/${entry.name}`
        )
          .sort();
      } catch {
        return [];
      }
    },
    log,
    stop: async () => {
      try {
        daemon.kill("SIGTERM");
      } catch { /* already gone */ }
      await daemon.status;
    },
  };
}

async function waitForListener(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (true) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
