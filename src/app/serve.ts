/**
 * The composition root of `pillarbox serve`: builds each module from its
 * slice of the frozen Config, starts the listeners and the delivery runner,
 * and stops them in order on SIGINT/SIGTERM. SIGHUP reloads the TLS
 * certificate and key; SIGUSR1 closes the inspector Deno opens for it.
 */
import { Directory, LoginLimiter, normalizeAddress } from "../auth/mod.ts";
import {
  checkListenHosts,
  type Config,
  ConfigError,
  formatHostPort,
  ipInNetworks,
} from "../config/mod.ts";
import {
  DeliveryRunner,
  immediateLocalDelivery,
  LocalCourier,
  longestRetryDelayMs,
  retryDelayMs,
} from "../delivery/mod.ts";
import { Metrics } from "../http/mod.ts";
import { drainStderrLog, holdStackReserve, Logger } from "../log/mod.ts";
import { Mailboxes, MaildirStore } from "../mailbox/mod.ts";
import { AddressCounts, type Listener, loadTlsSettings, perAddressLimit } from "../net/mod.ts";
import { PickupWatcher, resolveLocalRecipients } from "../pickup/mod.ts";
import { startSmtpServer } from "../smtpd/mod.ts";
import {
  flushInlineWhen,
  lockSpoolForServer,
  type ServerLock,
  Spool,
  SpoolInUseError,
} from "../spool/mod.ts";
import { remoteCourierFor } from "./remote_setup.ts";
import { closeInspectorOnSignal } from "./inspector_signal.ts";
import { budgetConnections, type ConnectionBudget } from "./connection_budget.ts";
import { ListenError, listenFor } from "./listen_error.ts";
import { openSpoolDir, refuseRootOnOthersSpool } from "./spool_dir.ts";
import { startMailboxListeners } from "./mailbox_listeners.ts";
import { startStatus } from "./status.ts";

/** A running server. */
export interface RunningServer {
  readonly listeners: ReadonlyMap<string, Listener>;
  /** Re-reads the TLS certificate and key (SIGHUP); keeps the old ones on error. */
  reloadTls(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts everything `config` enables, holding the spool (see spool/server_lock.ts) until stopped. */
export async function startServer(
  config: Config,
  log: Logger,
  options: { metrics?: Metrics; connections?: ConnectionBudget } = {},
): Promise<RunningServer> {
  // A listen name that does not resolve, or lands on another listener's address, is a
  // configuration error (status 2), found before the spool is touched and deliveries begin.
  await checkListenHosts(config);
  await refuseRootOnOthersSpool(config.spoolDir);
  // Before anything touches the spool: a second server must not sweep the first one's files.
  const serverLock = await openSpoolDir(config.spoolDir, () => lockSpoolForServer(config.spoolDir));
  try {
    return await startHoldingSpool(config, log, { ...options, serverLock });
  } catch (error) {
    serverLock.release();
    throw error;
  }
}

async function startHoldingSpool(
  config: Config,
  log: Logger,
  options: { metrics?: Metrics; connections?: ConnectionBudget; serverLock: ServerLock },
): Promise<RunningServer> {
  // First, so a bad certificate is a configuration error before any socket opens.
  const tls = await loadTlsSettings(config, log.with({ component: "tls" }));
  const tlsContext = tls ? () => tls.context : null;
  // One brute-force brake for every protocol that takes passwords. A webmail on the host logs
  // everyone in from a relay network: there, failures count per login name.
  const loginLimiter = new LoginLimiter({
    isSharedClient: (ip) => ipInNetworks(ip, config.relayNetworks),
  });
  const directory = new Directory({
    usersFile: config.usersFile,
    aliasesFile: config.aliasesFile,
    domains: config.domains,
    log: log.with({ component: "directory" }),
  });
  try {
    await directory.load();
  } catch (error) {
    // A bad users or aliases file is the administrator's to fix, like a bad flag (check says so too).
    throw new ConfigError(error instanceof Error ? error.message : String(error));
  }
  // An account or alias no mail can reach (its domain is not local), as check says too.
  for (const { kind, address } of await directory.offDomainEntries()) {
    log.warn("auth.off_domain", { kind, address, domains: config.domains.join(",") });
  }
  // An account beats an alias of its own address: the alias never forwards a thing (check says too).
  for (const alias of await directory.shadowedAliases()) {
    log.warn("auth.alias_shadowed", { alias, reason: "an account too: the account gets its mail" });
  }
  const spool = await openSpoolDir(config.spoolDir, () =>
    Spool.open({
      spoolDir: config.spoolDir,
      log,
      spareFiles: config.spareFiles,
    }));
  const hasAccount = async (address: string) => {
    const verdict = await directory.resolveRecipient(address);
    return verdict.kind === "local" && verdict.mailboxes.includes(normalizeAddress(address));
  };
  const maildir = new MaildirStore({
    spoolDir: config.spoolDir,
    hostname: config.hostname,
    spares: spool.spares,
  });
  const { remote, own } = await remoteCourierFor(config, { log, connections: options.connections });
  const runner = new DeliveryRunner({
    spool,
    spoolDir: config.spoolDir,
    log: log.with({ component: "delivery" }),
    local: new LocalCourier({ maildir, hasAccount, isDirectoryStale: () => directory.isStale() }),
    remote,
    isLocalDomain: (domain) => directory.isLocalDomain(domain),
    retryDelayMs: (attempts) =>
      retryDelayMs(attempts, {
        retryIntervalMs: config.retryIntervalMs,
        retryMinMs: config.retryMinMs,
      }),
    longestRetryDelayMs: longestRetryDelayMs({ retryIntervalMs: config.retryIntervalMs }),
    hostname: config.hostname,
    policy: { queueLifetimeMs: config.queueLifetimeMs, delayWarningMs: config.delayWarningMs },
    resolveNoticeRecipients: (address) => resolveLocalRecipients(directory, [address]),
    concurrency: options.connections?.deliveries,
  });
  // A file where one of its folders belongs is a spool the administrator must fix.
  await openSpoolDir(config.spoolDir, () => runner.start());
  spool.setImmediateDelivery(immediateLocalDelivery({
    maildir,
    isLocalDomain: (domain) => directory.isLocalDomain(domain),
    hasAccount,
    log: log.with({ component: "delivery" }),
  }));
  const pickup = new PickupWatcher({
    spoolDir: config.spoolDir,
    spool,
    directory,
    hostname: config.hostname,
    defaultDomain: config.domains[0] ?? "localhost",
    maxMessageBytes: config.maxMessageBytes,
    log: log.with({ component: "pickup" }),
  });
  await openSpoolDir(config.spoolDir, () => pickup.start());
  const slots = options.connections?.slots; // one process-wide connection limit for every listener
  const listeners = new Map<string, Listener>();
  // Each mail listener counts its own connections per client address (see net/address_counts.ts).
  const perAddress = () =>
    new AddressCounts({
      limit: perAddressLimit(config.maxConnections),
      isExempt: (ip) => ipInNetworks(ip, config.relayNetworks),
    });
  const smtpCommon = {
    hostname: config.hostname,
    maxMessageBytes: config.maxMessageBytes,
    maxRecipients: config.maxRecipients,
    maxConnections: config.maxConnections,
    slots,
    relayNetworks: config.relayNetworks,
    directory,
    spool,
    log,
    idleTimeoutMs: config.smtpIdleTimeoutMs,
    postmasterDomain: config.domains[0] ?? "localhost",
    tlsContext,
    isInsecureAuthAllowed: config.insecureAuth,
    loginLimiter,
  };
  if (config.smtpListen) {
    listeners.set(
      "smtp",
      await listenFor(
        "smtp-listen",
        config.smtpListen,
        (address) =>
          startSmtpServer(address, { ...smtpCommon, kind: "smtp", perAddress: perAddress() }),
      ),
    );
    own.smtp.port = listeners.get("smtp")!.port;
  }
  if (config.submissionListen) {
    listeners.set(
      "submission",
      await listenFor(
        "submission-listen",
        config.submissionListen,
        (address) =>
          startSmtpServer(address, { ...smtpCommon, kind: "submission", perAddress: perAddress() }),
      ),
    );
    own.submission.port = listeners.get("submission")!.port;
  }
  if (config.submissionsListen) {
    listeners.set(
      "submissions",
      await listenFor(
        "submissions-listen",
        config.submissionsListen,
        (address) =>
          startSmtpServer(address, {
            ...smtpCommon,
            kind: "submissions",
            perAddress: perAddress(),
          }),
      ),
    );
    own.submissions.port = listeners.get("submissions")!.port;
  }
  const mailboxes = new Mailboxes({
    spoolDir: config.spoolDir,
    hostname: config.hostname,
    log,
    store: maildir,
    spares: spool.spares,
  });
  await startMailboxListeners(listeners, {
    config,
    directory,
    mailboxes,
    loginLimiter,
    tls,
    slots,
    log,
    perAddress,
  });
  const status = config.httpListen && options.metrics
    ? await listenFor(
      "http-listen",
      config.httpListen,
      (address) =>
        startStatus(config, address, { metrics: options.metrics!, listeners, spool, log, slots }),
    )
    : null;
  for (const [name, listener] of listeners) {
    log.info("listen", {
      proto: name,
      addr: formatHostPort(listener), // [::1]:2525, as the flags write it
      port: listener.port,
    });
  }
  // One client and no delivery in progress: its fsyncs are done inline (see spool/flush.ts).
  flushInlineWhen(() => {
    if (runner.activeDeliveries > 0) return false;
    let clients = 0;
    for (const listener of listeners.values()) clients += listener.activeConnections;
    return clients <= 1;
  });
  log.info("server.ready", { hostname: config.hostname, spool: config.spoolDir });
  return {
    listeners,
    reloadTls: async () => await tls?.reload(),
    async stop() {
      flushInlineWhen(() => false);
      await Promise.all([...listeners.values()].map((listener) => listener.close()));
      await status?.close();
      await pickup.stop();
      await runner.stop();
      await remote.close();
      spool.spares?.close();
      options.serverLock.release();
      log.info("server.stopped");
    },
  };
}

/**
 * `pillarbox serve`: runs until SIGINT or SIGTERM. A configuration error
 * found while starting (an unusable certificate) is thrown, a ConfigError
 * for the command line to print with the flags file's line (status 2); a
 * listener that cannot be opened (port taken), or a spool another server runs
 * on, is printed with `io.err` and gives 1. A stop that had to be forced
 * (still busy after its grace period, or a second SIGINT/SIGTERM) exits 1
 * as well.
 */
export async function runServe(
  config: Config,
  io: { err: (line: string) => void } = { err: () => {} },
): Promise<number> {
  const metrics = new Metrics();
  const log = new Logger({
    level: config.logLevel,
    format: config.logFormat,
    tap: metrics.observe,
  });
  let server: RunningServer | null = null;
  // SIGHUP's default action ends the process: take it before starting, so that a
  // reload sent while the server starts (log rotation at boot) cannot stop it.
  Deno.addSignalListener("SIGHUP", () => void server?.reloadTls());
  // SIGUSR1 would open Deno's inspector to everyone on the host (see inspector_signal.ts).
  closeInspectorOnSignal(log);
  // Out of file descriptors, logging an internal error's stack must not end the process.
  holdStackReserve();
  const connections = budgetConnections(config, log); // probed before any work starts
  let stopping = false;
  // A forced stop exits 1 once its line is written, even if the stop ends meanwhile.
  let isForced = false;
  const exitForced = () => {
    isForced = true;
    void drainStderrLog().then(() => Deno.exit(1));
  };
  let requestStop = () => {};
  const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));
  // Taken before starting too: deliveries begin before the listeners are up, and a stop's
  // default action (the process killed at once) could cut one off after its message went.
  let firstSignalMs = 0;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => {
      // A second signal during the stop is someone who will not wait (Ctrl-C twice): every
      // accepted message is already on disk, and an unfinished delivery is retried later.
      // One that follows the first at once is the same request delivered again: Ctrl-C on
      // `npx deno task start` reaches the server from the terminal and from each wrapper.
      if (stopping) {
        if (performance.now() - firstSignalMs < REPEATED_SIGNAL_MS) return;
        log.error("server.stop_forced", { signal });
        exitForced();
        return;
      }
      stopping = true;
      firstSignalMs = performance.now();
      if (server === null) log.info("server.stop_requested", { signal, during: "start" });
      requestStop();
    });
  }
  try {
    server = await startServer(config, log, { metrics, connections });
    connections.logLimit(log);
  } catch (error) {
    if (error instanceof ListenError || error instanceof SpoolInUseError) {
      io.err(`pillarbox: ${error.message}`);
      return 1;
    }
    throw error;
  }
  await stopRequested;
  log.info("server.stopping");
  // Work still running after the grace period is cut off: that is no clean stop, and
  // whoever stopped the server (an init system, an operator) is told so by the status.
  const forced = setTimeout(() => {
    log.error("server.stop_forced", { graceMs: STOP_GRACE_MS });
    exitForced();
  }, STOP_GRACE_MS);
  await server.stop();
  clearTimeout(forced);
  return isForced ? 1 : 0;
}

/** How long a stop may take (sessions saying goodbye, deliveries ending) before it is forced. */
const STOP_GRACE_MS = 10_000;
/** A stop signal this soon after the first is the same one passed on by a wrapper. */
const REPEATED_SIGNAL_MS = 500;
