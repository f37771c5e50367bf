/** Starts an SMTP listener (port 25 MX, 587 submission) running `SmtpSession`s. */
import { type ListenAddress, type Listener, startListener } from "../net/mod.ts";
import { formatReply, Refusal } from "../smtp/mod.ts";
import type { SmtpServerOptions } from "./options.ts";
import { SmtpSession } from "./session.ts";

/** Binds `address` and serves SMTP on it with `options`. */
export function startSmtpServer(
  address: ListenAddress,
  options: SmtpServerOptions & { maxConnections: number },
): Promise<Listener> {
  return startListener(address, {
    name: options.kind,
    maxConnections: options.maxConnections,
    idleTimeoutMs: options.idleTimeoutMs,
    busyLine: formatReply(Refusal.tooManyConnections().toReply()),
    log: options.log,
    onConnection: (connection) => new SmtpSession(connection, options).run(),
  });
}
