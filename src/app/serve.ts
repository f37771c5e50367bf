/**
 * The composition root of `pillarbox serve`: builds each module from its
 * slice of the frozen Config, starts the listeners and the delivery runner,
 * and stops them in order on SIGINT/SIGTERM.
 */
import { Directory } from "../auth/mod.ts";
import type { Config } from "../config/mod.ts";
import { DeliveryRunner, LocalCourier, RemoteCourier, retryDelayMs } from "../delivery/mod.ts";
import { Logger } from "../log/mod.ts";
import { MaildirStore } from "../mailbox/mod.ts";
import type { Listener } from "../net/mod.ts";
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
  const remote = new RemoteCourier({
    ehloName: config.hostname,
    routes: config.routes,
    smarthost: config.smarthost,
    smarthostTls: config.smarthostTls,
    isSmarthostTlsVerified: config.smarthostTlsVerify,
    smarthostCredentials: await readSmarthostCredentials(config),
    dnsServer: config.dnsServer,
    mxPort: config.remoteSmtpPort,
    log: log.with({ component: "smtp-client" }),
  });
  const runner = new DeliveryRunner({
    spool,
    spoolDir: config.spoolDir,
    log: log.with({ component: "delivery" }),
    local: new LocalCourier({ maildir }),
    remote,
    isLocalDomain: (domain) => directory.isLocalDomain(domain),
    retryDelayMs: (attempts) =>
      retryDelayMs(attempts, {
        retryIntervalMs: config.retryIntervalMs,
        retryMinMs: config.retryMinMs,
      }),
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
      await remote.close();
      log.info("server.stopped");
    },
  };
}

/** The smarthost login from `--smarthost-user` and the first line of `--smarthost-password-file`. */
async function readSmarthostCredentials(
  config: Config,
): Promise<{ user: string; password: string } | null> {
  if (config.smarthostUser === "") return null;
  if (config.smarthostPasswordFile === "") {
    throw new Error("--smarthost-user needs --smarthost-password-file");
  }
  const text = await Deno.readTextFile(config.smarthostPasswordFile);
  return { user: config.smarthostUser, password: text.split(/\r?\n/)[0] ?? "" };
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
