/** What a POP3 server needs from the rest of the process. */
import type { Directory, LoginLimiter } from "../auth/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { Mailboxes } from "../mailbox/mod.ts";
import type { AddressCounts, ConnectionSlots, TlsContextProvider } from "../net/mod.ts";

/** Options for `startPop3Server`. */
export interface Pop3ServerOptions {
  /** "pop3" (STLS available) or "pop3s" (TLS from the first byte). */
  kind: "pop3" | "pop3s";
  hostname: string;
  directory: Directory;
  mailboxes: Mailboxes;
  /** The brute-force brake shared with submission and IMAP. */
  limiter: LoginLimiter;
  /** null: no STLS, and a "pop3s" listener cannot start. */
  tls: TlsContextProvider | null;
  /** Allow USER/PASS and AUTH without TLS. */
  insecureAuth: boolean;
  /** RFC 1939 3: at least 10 minutes. */
  idleTimeoutMs: number;
  maxConnections: number;
  /** The process-wide connection limit every listener shares (none when absent). */
  slots?: ConnectionSlots;
  /** Connections per client address (see net/address_counts.ts); unlimited when absent. */
  perAddress?: AddressCounts;
  log: Logger;
  /** Client errors before the session is closed (default 10). */
  maxErrors?: number;
}
