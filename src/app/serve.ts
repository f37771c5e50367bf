/**
 * The composition root of `pillarbox serve`: builds each module from its
 * slice of the frozen Config, starts the listeners and the delivery runner,
 * and stops them in order on SIGINT/SIGTERM.
 */
import { Directory, LoginLimiter } from "../auth/mod.ts";
import type { Config } from "../config/mod.ts";
import { DeliveryRunner, HoldCourier, LocalCourier, retryDelayMs } from "../delivery/mod.ts";
import { Logger } from "../log/mod.ts";
import { Mailboxes, MaildirStore } from "../mailbox/mod.ts";
import type { Listener } from "../net/mod.ts";
import { TlsContextProvider } from "../net/tls_context.ts";
import { startPop3Server } from "../pop3/mod.ts";
import { startSmtpServer } from "../smtpd/mod.ts";
import { Spool } from "../spool/mod.ts";

/** A running server. */
export interface RunningServer {
  readonly listeners: ReadonlyMap<string, Listener>;
  stop(): Promise<void>;
}

/** Starts everything `config` enables. */
export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  const spool = await Spool.open({ spoolDir: config.spoolDir, log });
  const directory = new Directory({
    usersFile: config.usersFile,
    aliasesFile: config.aliasesFile,
    domains: config.domains,
    log: log.with({ component: "directory" }),
  });
  await directory.load();
  const maildir = new MaildirStore({ spoolDir: config.spoolDir, hostname: config.hostname });
  const runner = new DeliveryRunner({
    spool,
    spoolDir: config.spoolDir,
    log: log.with({ component: "delivery" }),
    local: new LocalCourier({ maildir }),
    remote: new HoldCourier(),
    isLocalDomain: (domain) => directory.isLocalDomain(domain),
    retryDelayMs: (attempts) => retryDelayMs(attempts, { retryIntervalMs: config.retryIntervalMs }),
  });
  await runner.start();

  const listeners = new Map<string, Listener>();
  const smtpCommon = {
    hostname: config.hostname,
    maxMessageBytes: config.maxMessageBytes,
    maxRecipients: config.maxRecipients,
    maxConnections: config.maxConnections,
    relayNetworks: config.relayNetworks,
    directory,
    spool,
    log,
    idleTimeoutMs: config.smtpIdleTimeoutMs,
    postmasterDomain: config.domains[0] ?? "localhost",
  };
  if (config.smtpListen) {
    listeners.set(
      "smtp",
      await startSmtpServer(config.smtpListen, { ...smtpCommon, kind: "smtp" }),
    );
  }
  if (config.submissionListen) {
    listeners.set(
      "submission",
      await startSmtpServer(config.submissionListen, { ...smtpCommon, kind: "submission" }),
    );
  }
  const tls = await TlsContextProvider.fromConfig(config, log.with({ component: "tls" }));
  /** One brute-force brake for every protocol that takes passwords. */
  const loginLimiter = new LoginLimiter();
  const mailboxes = new Mailboxes({
    spoolDir: config.spoolDir,
    hostname: config.hostname,
    log,
    store: maildir,
  });
  const pop3Common = {
    hostname: config.hostname,
    directory,
    mailboxes,
    limiter: loginLimiter,
    tls,
    insecureAuth: config.insecureAuth,
    idleTimeoutMs: config.pop3IdleTimeoutMs,
    maxConnections: config.maxConnections,
    log,
  };
  if (config.pop3Listen) {
    listeners.set(
      "pop3",
      await startPop3Server(config.pop3Listen, { ...pop3Common, kind: "pop3" }),
    );
  }
  if (config.pop3sListen) {
    listeners.set(
      "pop3s",
      await startPop3Server(config.pop3sListen, { ...pop3Common, kind: "pop3s" }),
    );
  }
  for (const [name, listener] of listeners) {
    log.info("listen", {
      proto: name,
      addr: `${listener.hostname}:${listener.port}`,
      port: listener.port,
    });
  }
  log.info("server.ready", { hostname: config.hostname, spool: config.spoolDir });
  return {
    listeners,
    async stop() {
      for (const listener of listeners.values()) await listener.close();
      await runner.stop();
      log.info("server.stopped");
    },
  };
}

/** `pillarbox serve`: runs until SIGINT or SIGTERM. */
export async function runServe(config: Config): Promise<number> {
  const log = new Logger({ level: config.logLevel, format: config.logFormat });
  const server = await startServer(config, log);
  await new Promise<void>((resolve) => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      Deno.addSignalListener(signal, () => resolve());
    }
  });
  log.info("server.stopping");
  const forced = setTimeout(() => Deno.exit(0), 10_000);
  await server.stop();
  clearTimeout(forced);
  return 0;
}
