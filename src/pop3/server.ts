/** Starts a POP3 (port 110, STLS) or POP3S (port 995, implicit TLS) listener. */
import { type ListenAddress, type Listener, startListener } from "../net/mod.ts";
import type { Pop3ServerOptions } from "./options.ts";
import { Pop3Session } from "./session.ts";

/** Binds `address` and serves POP3 on it with `options`. */
export function startPop3Server(
  address: ListenAddress,
  options: Pop3ServerOptions,
): Promise<Listener> {
  const tls = options.tls;
  if (options.kind === "pop3s" && tls === null) {
    throw new Error("POP3S needs --tls-cert and --tls-key");
  }
  return startListener(address, {
    name: options.kind,
    maxConnections: options.maxConnections,
    slots: options.slots,
    perAddress: options.perAddress,
    idleTimeoutMs: options.idleTimeoutMs,
    busyLine: "-ERR [SYS/TEMP] Too many connections, try again later\r\n",
    log: options.log,
    // POP3S: the listener does the handshake (a client over the limit gets -ERR after it).
    tls: options.kind === "pop3s" && tls !== null ? () => tls.context : undefined,
    onConnection: (connection) => new Pop3Session(connection, options).run(),
  });
}
