/** What an IMAP server needs from the composition root. */
import type { SecureContext } from "node:tls";
import type { Directory, LoginLimiter } from "../auth/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { Mailboxes } from "../mailbox/mod.ts";

/** Options for `startImapServer`. */
export interface ImapServerOptions {
  hostname: string;
  mailboxes: Mailboxes;
  directory: Directory;
  /** The brute-force brake shared with submission and POP3. */
  limiter: LoginLimiter;
  /** The TLS context (STARTTLS, implicit TLS); null when no certificate is configured. */
  tls: { readonly context: SecureContext } | null;
  /** True for the IMAPS listener: TLS starts before the greeting. */
  isImplicitTls: boolean;
  /** `--insecure-auth`: LOGIN and AUTHENTICATE without TLS. */
  isInsecureAuthAllowed: boolean;
  /** APPEND literals above this are refused with `NO [TOOBIG]`. */
  maxMessageBytes: number;
  /** Autologout after this long without a command (RFC 9051 5.4: at least 30 minutes). */
  idleTimeoutMs: number;
  log: Logger;
}
