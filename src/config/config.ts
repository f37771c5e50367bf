/** The validated, frozen configuration every module receives a slice of. */

import type { HostPort, ListenAddress, Route } from "./address.ts";
import type { Cidr } from "./cidr.ts";

/** The smarthost connection security choices. */
export const SMARTHOST_TLS_MODES = ["starttls", "implicit", "none"] as const;
/** The log levels, from least to most verbose. */
export const LOG_LEVELS = ["error", "warn", "info", "debug", "trace"] as const;
/** The log line formats. */
export const LOG_FORMATS = ["text", "json"] as const;

/**
 * The whole configuration, built from the flags table: defaults, then the
 * flags file, then the command line. {@link loadConfig} returns it deeply
 * frozen. A `null` listen address means that listener is disabled.
 */
export interface Config {
  hostname: string;
  domains: readonly string[];
  spoolDir: string;
  usersFile: string;
  aliasesFile: string;
  smtpListen: ListenAddress | null;
  submissionListen: ListenAddress | null;
  submissionsListen: ListenAddress | null;
  pop3Listen: ListenAddress | null;
  pop3sListen: ListenAddress | null;
  imapListen: ListenAddress | null;
  imapsListen: ListenAddress | null;
  httpListen: ListenAddress | null;
  /** PEM certificate file; "" means no TLS. */
  tlsCert: string;
  /** PEM key file; "" means no TLS. */
  tlsKey: string;
  insecureAuth: boolean;
  relayNetworks: readonly Cidr[];
  smarthost: HostPort | null;
  smarthostTls: typeof SMARTHOST_TLS_MODES[number];
  /** Verify the smarthost's certificate (MX hosts get opportunistic, unverified TLS). */
  smarthostTlsVerify: boolean;
  smarthostUser: string;
  smarthostPasswordFile: string;
  /** Send smarthost credentials even over plaintext (`--smarthost-tls=none`). */
  smarthostInsecureAuth: boolean;
  routes: readonly Route[];
  /** null means the system resolver. */
  dnsServer: HostPort | null;
  /** Port for MX delivery (25; tests point it at a sink). */
  remoteSmtpPort: number;
  /** Cap on every outbound SMTP wait; 0 means the RFC 5321 timeouts. */
  remoteSmtpTimeoutMs: number;
  retryIntervalMs: number;
  /** First backoff delay; doubles up to retryIntervalMs. */
  retryMinMs: number;
  queueLifetimeMs: number;
  /** 0 means never send a delay warning. */
  delayWarningMs: number;
  smtpIdleTimeoutMs: number;
  pop3IdleTimeoutMs: number;
  imapIdleTimeoutMs: number;
  maxMessageBytes: number;
  maxRecipients: number;
  maxConnections: number;
  /** Spare files kept ready for new messages; 0: none. */
  spareFiles: number;
  logLevel: typeof LOG_LEVELS[number];
  logFormat: typeof LOG_FORMATS[number];
}

/**
 * A configuration problem, with a user-facing message that names the flag,
 * the value and (for a flags file) the file and line. The process should
 * print the message and exit with status 2.
 */
export class ConfigError extends Error {
  /**
   * The flags the problem is about (names without dashes): a problem found once
   * the flags were read (a certificate that cannot be read) is told where each
   * was given (see flag_origins.ts).
   */
  readonly flags: readonly string[];

  /** Creates the error; `message` is shown to the user as is. */
  constructor(message: string, options: { flags?: readonly string[] } = {}) {
    super(message);
    this.name = "ConfigError";
    this.flags = options.flags ?? [];
  }
}
