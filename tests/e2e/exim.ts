/**
 * A throwaway Exim 4 on loopback, as the MTA on the other side: run from the
 * Debian package unpacked (never installed: it conflicts with Postfix) into
 * EXIM_ROOT by `.ci/run`, with a configuration of our own in a temporary
 * directory (`exim -C`), its spool and logs there too. Its daemon runs in the
 * foreground as our child (`-bdf`), so stopping it is one signal to a process
 * we started. Mail for `exim.test` lands in one Maildir (`box`); mail for any
 * other domain goes to 127.0.0.1 on the port the test names (our server), so
 * the same instance sends to us and receives from us. Exim must run as root
 * (it changes to its compiled-in user `Debian-exim`): tests use
 * `ignore: !HAS_EXIM` and skip, with the reason printed, where it cannot run.
 */
import { tempDir, waitUntil } from "./harness.ts";

/** Where `.ci/run` unpacks exim4-base and exim4-daemon-light (PILLARBOX_MTAS overrides). */
export const EXIM_ROOT = Deno.env.get("PILLARBOX_MTAS") ?? "/tmp/pillarbox-mtas";
const EXIM = `${EXIM_ROOT}/usr/sbin/exim4`;
const decoder = new TextDecoder();

/**
 * Why an unpacked program cannot start here, or null when it can: a package
 * unpacked, not installed, brings none of its libraries, and the dynamic
 * loader ends a program that lacks one with status 127 before its `main`.
 */
export function whyUnpackedCannotRun(program: string, args: string[]): string | null {
  const output = new Deno.Command(program, { args, stdout: "null", stderr: "piped" }).outputSync();
  if (output.code !== 127) return null;
  const said = decoder.decode(output.stderr).trim().split("\n")[0];
  return `${program} cannot start here (.ci/run installs the libraries it needs): ${said}`;
}

function whyNoExim(): string | null {
  if (Deno.uid() !== 0) return "Exim's daemon must start as root";
  try {
    Deno.statSync(EXIM);
  } catch {
    return `no unpacked Exim at ${EXIM} (.ci/run unpacks it)`;
  }
  const id = new Deno.Command("id", { args: ["-u", "Debian-exim"], stdout: "null", stderr: "null" })
    .outputSync();
  if (!id.success) return "no Debian-exim user (.ci/run makes it)";
  return whyUnpackedCannotRun(EXIM, ["-C", "/dev/null", "-bV"]);
}

const reason = whyNoExim();
/** True where a private Exim can run. */
export const HAS_EXIM: boolean = reason === null;
if (reason !== null) console.warn(`Exim tests skipped: ${reason}`);

/** What the instance is told. */
export interface EximOptions {
  /** Its listener's port (from `freePort()`, so our server can be told it first); a free one otherwise. */
  port?: number;
  /** The port mail for other domains goes to (our SMTP listener). */
  relayPort?: number;
  /** A CA file: Exim then requires STARTTLS to our server and verifies its certificate. */
  caFile?: string;
  /** Certificate and key Exim's listener offers with STARTTLS. */
  cert?: { certFile: string; keyFile: string };
  /** Main-section lines (`name = value`): one the defaults set too replaces the default. */
  main?: string[];
  /** Lines added to the RCPT ACL before its final accept (e.g. `deny local_parts = ^x`). */
  rcptAcl?: string[];
  /** Other ACLs: name -> lines (name them in `main`, e.g. `acl_smtp_mail = mail_acl`). */
  acls?: Record<string, string[]>;
  /** A `begin authenticators` section's lines (client side, e.g. a plaintext driver). */
  authenticators?: string[];
  /** Options of the smtp transport to our server (one the defaults set too replaces it). */
  transport?: string[];
}

/** A running instance. */
export interface Exim {
  /** The port its listener has on 127.0.0.1. */
  port: number;
  dir: string;
  /** The files delivered into its Maildir so far (new/), oldest name first. */
  delivered(): string[];
  /** Its main log so far. */
  mainLog(): string;
  /** Submits `text` as Exim's sendmail does (`-odi`: delivered before it returns; `-oi`: a line "." is text). */
  send(from: string, rcpts: string[], text: string | Uint8Array): Promise<void>;
  /** Speaks SMTP to Exim on its stdin (`-bs`): `script` is sent whole; returns Exim's replies. */
  smtp(script: string): Promise<string>;
  /** Runs a queue run of everything (`-qff`) and waits for it. */
  runQueue(): Promise<void>;
  stop(): Promise<void>;
}

// Exim's port is named to our server (`--route`) before Exim starts.
import { freePort } from "./free_port.ts";
export { freePort };

/** `defaults` then `lines`: Exim refuses an option set twice, so a line replaces the default of its name. */
function withOverrides(defaults: string[], lines: string[] = []): string[] {
  const optionName = (line: string) => line.split("=")[0]!.trim();
  const overridden = new Set(lines.map(optionName));
  return [...defaults.filter((line) => !overridden.has(optionName(line))), ...lines];
}

function configText(dir: string, options: EximOptions): string {
  const main = withOverrides([
    `exim_path = ${EXIM}`,
    "primary_hostname = exim.test",
    `spool_directory = ${dir}/spool`,
    `log_file_path = ${dir}/log/%slog`,
    `pid_file_path = ${dir}/exim.pid`,
    "exim_user = Debian-exim",
    "exim_group = Debian-exim",
    "local_interfaces = 127.0.0.1",
    "domainlist local_domains = exim.test",
    "acl_smtp_rcpt = rcpt_acl",
    "keep_environment =",
    "trusted_users = root",
    // No ident callbacks, no DNS lookups of the client's name: loopback only.
    "rfc1413_query_timeout = 0s",
    "host_lookup = :",
    "smtputf8_advertise_hosts = *",
    "dsn_advertise_hosts = *",
    "chunking_advertise_hosts = *",
    ...(options.cert
      ? [
        `tls_certificate = ${options.cert.certFile}`,
        `tls_privatekey = ${options.cert.keyFile}`,
        "tls_advertise_hosts = *",
      ]
      : ["tls_advertise_hosts = :"]),
  ], options.main);
  const acls = Object.entries(options.acls ?? {}).map(([name, lines]) =>
    [`${name}:`, ...lines.map((line) => `  ${line}`)].join("\n")
  );
  const transport = withOverrides([
    "driver = smtp",
    `port = ${options.relayPort ?? 25}`,
    "hosts_try_chunking = *",
    ...(options.caFile
      ? [`tls_verify_certificates = ${options.caFile}`, "hosts_require_tls = *"]
      : ["hosts_avoid_tls = *"]),
  ], options.transport);
  return [
    ...main,
    "begin acl",
    "rcpt_acl:",
    ...(options.rcptAcl ?? []).map((line) => `  ${line}`),
    "  accept",
    ...acls,
    "begin routers",
    "out:",
    "  driver = manualroute",
    "  domains = ! +local_domains",
    "  transport = to_pillarbox",
    "  route_list = * 127.0.0.1",
    "  self = send",
    "local:",
    "  driver = accept",
    "  domains = +local_domains",
    "  transport = to_maildir",
    "begin transports",
    "to_pillarbox:",
    ...transport.map((line) => `  ${line}`),
    "to_maildir:",
    "  driver = appendfile",
    `  directory = ${dir}/box`,
    "  maildir_format",
    "  user = Debian-exim",
    "  envelope_to_add",
    "  return_path_add",
    ...(options.authenticators ? ["begin authenticators", ...options.authenticators] : []),
    "begin retry",
    // One retry after a second, then every 2 s for a minute (the daemon's queue runner).
    "* * F,1m,2s",
    "",
  ].join("\n");
}

async function exim(dir: string, args: string[], stdin?: Uint8Array): Promise<string> {
  const child = new Deno.Command(EXIM, {
    args: ["-C", `${dir}/exim.conf`, ...args],
    stdin: stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin) {
    const writer = child.stdin.getWriter();
    await writer.write(stdin);
    await writer.close();
  }
  const output = await child.output();
  if (!output.success) {
    throw new Error(
      `exim ${args.join(" ")} failed (${output.code}): ${decoder.decode(output.stderr)}`,
    );
  }
  return decoder.decode(output.stdout);
}

function panicLog(dir: string): string {
  try {
    return Deno.readTextFileSync(`${dir}/log/paniclog`);
  } catch {
    return "";
  }
}

/** Starts an Exim daemon on a free loopback port (queue runs every 2 s). */
export async function startExim(options: EximOptions = {}): Promise<Exim> {
  const dir = tempDir("pillarbox-exim-");
  // Exim's deliveries run as Debian-exim: it reaches its spool and Maildir through here.
  await Deno.chmod(dir, 0o755);
  const eximUid = Number(
    decoder.decode(new Deno.Command("id", { args: ["-u", "Debian-exim"] }).outputSync().stdout),
  );
  for (const sub of ["spool", "log", "box"]) {
    await Deno.mkdir(`${dir}/${sub}`);
    await Deno.chown(`${dir}/${sub}`, eximUid, null);
  }
  // Copies Debian-exim can read (the test's own may sit in a directory only root reaches).
  const copies: EximOptions = { ...options };
  if (options.caFile) {
    copies.caFile = `${dir}/ca.pem`;
    await Deno.copyFile(options.caFile, copies.caFile);
  }
  if (options.cert) {
    copies.cert = { certFile: `${dir}/cert.pem`, keyFile: `${dir}/key.pem` };
    await Deno.copyFile(options.cert.certFile, copies.cert.certFile);
    await Deno.copyFile(options.cert.keyFile, copies.cert.keyFile);
    await Deno.chown(copies.cert.keyFile, eximUid, null);
  }
  await Deno.writeTextFile(`${dir}/exim.conf`, configText(dir, copies));
  // A configuration error is told here, on stderr: the daemon's stderr is not ours to read, as
  // the children that take its connections hold it open after it has gone.
  await exim(dir, ["-bV"]);
  const port = options.port ?? freePort();
  const daemon = new Deno.Command(EXIM, {
    args: ["-C", `${dir}/exim.conf`, "-bdf", "-oX", String(port), "-q2s"],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  let hasExited = false;
  void daemon.status.then(() => hasExited = true);
  const mainLog = () => {
    try {
      return Deno.readTextFileSync(`${dir}/log/mainlog`);
    } catch {
      return "";
    }
  };
  try {
    await waitUntil(
      () => {
        if (hasExited) throw new Error("exim exited at start");
        return /daemon started/.test(mainLog());
      },
      10_000,
      "exim's daemon to start",
    );
  } catch (error) {
    if (!hasExited) daemon.kill("SIGTERM");
    await daemon.status;
    throw new Error(`${(error as Error).message}: ${mainLog()}${panicLog(dir)}`);
  }
  const delivered = () => {
    try {
      return [...Deno.readDirSync(`${dir}/box/new`)].map((entry) => `${dir}/box/new/${entry.name}`)
        .sort();
    } catch {
      return [];
    }
  };
  return {
    port,
    dir,
    delivered,
    mainLog,
    send: async (from, rcpts, text) => {
      await exim(
        dir,
        ["-odi", "-oi", "-f", from, "--", ...rcpts],
        typeof text === "string" ? new TextEncoder().encode(text) : text,
      );
    },
    smtp: (script) => exim(dir, ["-bs"], new TextEncoder().encode(script)),
    runQueue: async () => {
      await exim(dir, ["-qff"]);
    },
    stop: async () => {
      try {
        daemon.kill("SIGTERM");
      } catch { /* already gone */ }
      await daemon.status;
    },
  };
}
