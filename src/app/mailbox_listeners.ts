/**
 * The listeners users read their mail on: POP3, POP3S, IMAP and IMAPS, each
 * when its flag gives an address, added to `listeners` by name.
 */
import type { Directory, LoginLimiter } from "../auth/mod.ts";
import type { Config } from "../config/mod.ts";
import { startImapServer } from "../imap/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { Mailboxes } from "../mailbox/mod.ts";
import type { AddressCounts, ConnectionSlots, Listener, TlsContextProvider } from "../net/mod.ts";
import { startPop3Server } from "../pop3/mod.ts";
import { listenFor } from "./listen_error.ts";

/** What the mailbox listeners share with the rest of the server. */
export interface MailboxListenerParts {
  config: Config;
  directory: Directory;
  mailboxes: Mailboxes;
  loginLimiter: LoginLimiter;
  tls: TlsContextProvider | null;
  slots: ConnectionSlots | undefined;
  log: Logger;
  /** A fresh per-address count for each listener. */
  perAddress: () => AddressCounts;
}

/** Starts the POP3 and IMAP listeners the configuration asks for. */
export async function startMailboxListeners(
  listeners: Map<string, Listener>,
  parts: MailboxListenerParts,
): Promise<void> {
  const { config, directory, mailboxes, loginLimiter, tls, slots, log, perAddress } = parts;
  const pop3Common = {
    hostname: config.hostname,
    directory,
    mailboxes,
    limiter: loginLimiter,
    tls,
    insecureAuth: config.insecureAuth,
    idleTimeoutMs: config.pop3IdleTimeoutMs,
    maxConnections: config.maxConnections,
    slots,
    log,
  };
  if (config.pop3Listen) {
    listeners.set(
      "pop3",
      await listenFor(
        "pop3-listen",
        config.pop3Listen,
        (address) =>
          startPop3Server(address, { ...pop3Common, kind: "pop3", perAddress: perAddress() }),
      ),
    );
  }
  if (config.pop3sListen) {
    listeners.set(
      "pop3s",
      await listenFor(
        "pop3s-listen",
        config.pop3sListen,
        (address) =>
          startPop3Server(address, { ...pop3Common, kind: "pop3s", perAddress: perAddress() }),
      ),
    );
  }
  const imapCommon = {
    hostname: config.hostname,
    mailboxes,
    directory,
    limiter: loginLimiter,
    tls,
    isInsecureAuthAllowed: config.insecureAuth,
    maxMessageBytes: config.maxMessageBytes,
    idleTimeoutMs: config.imapIdleTimeoutMs,
    maxConnections: config.maxConnections,
    slots,
    log,
  };
  if (config.imapListen) {
    listeners.set(
      "imap",
      await listenFor(
        "imap-listen",
        config.imapListen,
        (address) =>
          startImapServer(address, {
            ...imapCommon,
            isImplicitTls: false,
            perAddress: perAddress(),
          }),
      ),
    );
  }
  if (config.imapsListen) {
    listeners.set(
      "imaps",
      await listenFor(
        "imaps-listen",
        config.imapsListen,
        (address) =>
          startImapServer(address, {
            ...imapCommon,
            isImplicitTls: true,
            perAddress: perAddress(),
          }),
      ),
    );
  }
}
