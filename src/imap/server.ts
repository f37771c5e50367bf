/** Starts an IMAP (or IMAPS) listener running `ImapSession`s. */
import {
  type AddressCounts,
  type ConnectionSlots,
  type ListenAddress,
  type Listener,
  startListener,
} from "../net/mod.ts";
import type { ImapServerOptions } from "./options.ts";
import { ImapSession } from "./session.ts";

/** Binds `address` and serves IMAP on it. */
export function startImapServer(
  address: ListenAddress,
  options: ImapServerOptions & {
    maxConnections: number;
    slots?: ConnectionSlots;
    perAddress?: AddressCounts;
  },
): Promise<Listener> {
  const tls = options.tls;
  if (options.isImplicitTls && tls === null) {
    throw new Error("IMAPS needs --tls-cert and --tls-key");
  }
  return startListener(address, {
    name: options.isImplicitTls ? "imaps" : "imap",
    maxConnections: options.maxConnections,
    slots: options.slots,
    perAddress: options.perAddress,
    idleTimeoutMs: options.idleTimeoutMs,
    busyLine: "* BYE Too many connections; try again later\r\n",
    log: options.log,
    // IMAPS: the listener does the handshake (a client over the limit gets BYE after it).
    tls: options.isImplicitTls && tls !== null ? () => tls.context : undefined,
    onConnection: (connection) => new ImapSession(connection, options).run(),
  });
}
