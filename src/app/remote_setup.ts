/** The outbound courier as `serve` builds it from the configuration. */
import type { Config } from "../config/mod.ts";
import { RemoteCourier } from "../delivery/mod.ts";
import type { Logger } from "../log/mod.ts";
import { type ConnectionBudget, outboundPool } from "./connection_budget.ts";
import {
  clientTimeouts,
  ownListenerTest,
  readSmarthostCredentials,
  smarthostLoginSource,
} from "./outbound_options.ts";

/** One of our own mail listeners: where it is bound (port 0 until then). */
export interface OwnListener {
  hostname: string;
  port: number;
}

/**
 * The remote courier, and our SMTP and submission listeners for it to know
 * (their ports filled in once bound): an MX pointing at one is a loop, and so
 * is a route or smarthost reaching one.
 */
export async function remoteCourierFor(
  config: Config,
  options: { log: Logger; connections: ConnectionBudget | undefined },
): Promise<
  { remote: RemoteCourier; own: Record<"smtp" | "submission" | "submissions", OwnListener> }
> {
  const { log } = options;
  const own = {
    smtp: { hostname: config.smtpListen?.hostname ?? "", port: 0 },
    submission: { hostname: config.submissionListen?.hostname ?? "", port: 0 },
    submissions: { hostname: config.submissionsListen?.hostname ?? "", port: 0 },
  };
  const ownListenerTests = Object.values(own).map((listener) => ownListenerTest(() => listener));
  const smarthostCredentials = await readSmarthostCredentials(config, log);
  const remote = new RemoteCourier({
    ehloName: config.hostname,
    routes: config.routes,
    smarthost: config.smarthost,
    smarthostTls: config.smarthostTls,
    isSmarthostTlsVerified: config.smarthostTlsVerify,
    smarthostCredentials,
    ...(smarthostCredentials
      ? {
        smarthostLogin: await smarthostLoginSource(config, { initial: smarthostCredentials, log }),
      }
      : {}),
    isSmarthostInsecureAuthAllowed: config.smarthostInsecureAuth,
    timeouts: clientTimeouts(config.remoteSmtpTimeoutMs),
    hopRestMs: config.retryMinMs,
    dnsServer: config.dnsServer,
    mxPort: config.remoteSmtpPort,
    log: log.with({ component: "smtp-client" }),
    pool: outboundPool(options.connections),
    isOwnListener: (address, port) => ownListenerTests.some((isOwn) => isOwn(address, port)),
  });
  return { remote, own };
}
