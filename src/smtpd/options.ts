import type { Cidr } from "../config/mod.ts";
import type { SecureContext } from "node:tls";
import type { Directory, LoginLimiter } from "../auth/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { Spool } from "../spool/mod.ts";
import type { SmtpSession } from "./session.ts";

/** Which listener a session came in on; decides the policy. */
export type SmtpListenerKind = "smtp" | "submission" | "submissions";

/** Everything an SMTP session needs, handed in once by the composition root. */
export interface SmtpServerOptions {
  kind: SmtpListenerKind;
  hostname: string;
  maxMessageBytes: number;
  maxRecipients: number;
  relayNetworks: readonly Cidr[];
  directory: Directory;
  spool: Spool;
  log: Logger;
  /** Idle time allowed between commands (RFC 5321 4.5.3.2: at least 5 minutes). */
  idleTimeoutMs: number;
  /** Client faults tolerated before "421 too many errors". */
  maxErrors?: number;
  /** More EHLO keywords (STARTTLS, AUTH) for this session, from the modules that add them. */
  extraEhloKeywords?: (session: SmtpSession) => string[];
  /** Refuses a sender the session may not use (submission: addresses the user owns). */
  checkSender?: (session: SmtpSession, from: string) => void | Promise<void>;
  /** Domain for a bare "<postmaster>" recipient (the first of --domains). */
  postmasterDomain: string;
  /**
   * The TLS context for STARTTLS and implicit TLS (`TlsContextProvider.context`),
   * asked per handshake; absent or null: no TLS.
   */
  tlsContext?: (() => SecureContext) | null;
  /** --insecure-auth: AUTH is allowed without TLS. */
  isInsecureAuthAllowed?: boolean;
  /** The brute-force brake shared by every protocol; one instance per process. */
  loginLimiter?: LoginLimiter;
}
