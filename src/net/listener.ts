/**
 * TCP listeners with a per-listener connection limit. A connection over the
 * limit gets the protocol's "busy" line and is closed; it never reaches a
 * session. With `tls` set, the listener speaks implicit TLS: the handshake
 * comes first, then the session (ports 465, 995, 993).
 */
import * as net from "node:net";
import type { SecureContext } from "node:tls";
import type { Logger } from "../log/mod.ts";
import { Connection } from "./connection.ts";

/** Where to listen; port 0 picks a free port (read it back from `Listener.port`). */
export interface ListenAddress {
  hostname: string;
  port: number;
}

/** A running listener. */
export interface Listener {
  readonly port: number;
  readonly hostname: string;
  /** Stops accepting, asks open sessions to end, and cuts off those that do not. */
  close(): Promise<void>;
  /** Number of sessions open right now. */
  readonly activeConnections: number;
}

/** Options for `startListener`. */
export interface ListenerOptions {
  /** Name for logs: "smtp", "submission", "pop3", ... */
  name: string;
  maxConnections: number;
  idleTimeoutMs: number;
  /** The line sent to a connection over the limit, CRLF included. */
  busyLine: string;
  log: Logger;
  /**
   * Implicit TLS (submissions, pop3s, imaps): when set, every connection
   * does the server handshake with the context this returns (asked per
   * connection, so a reloaded certificate applies at once) before it reaches
   * `onConnection`. A failed handshake is logged at debug and closed.
   */
  tls?: () => SecureContext;
  /** Runs one session; the connection is closed when it settles. */
  onConnection: (connection: Connection) => Promise<void>;
}

/** How long open sessions get to finish their current command when the server stops. */
const SHUTDOWN_GRACE_MS = 3_000;

/** Binds `address` and serves each connection with `options.onConnection`. */
export async function startListener(
  address: ListenAddress,
  options: ListenerOptions,
): Promise<Listener> {
  let active = 0;
  const open = new Set<Connection>();
  // A client may half-close (send FIN) after its last command and still read the replies.
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    if (active >= options.maxConnections) {
      options.log.warn("conn.refused", { proto: options.name, reason: "max-connections" });
      socket.on("error", () => {});
      // A TLS client could not read a plaintext line: just close.
      if (options.tls) socket.destroy();
      else socket.end(options.busyLine);
      return;
    }
    active++;
    const connection = new Connection(socket, { idleTimeoutMs: options.idleTimeoutMs });
    open.add(connection);
    const tlsContext = options.tls;
    const ready = tlsContext ? connection.startServerTls(tlsContext()) : Promise.resolve(true);
    ready
      .then((isUp) => {
        if (isUp) return options.onConnection(connection);
        options.log.debug("tls.handshake_failed", {
          proto: options.name,
          ip: connection.remoteAddress,
        });
      })
      .catch((error: unknown) => {
        options.log.error("session.crash", {
          proto: options.name,
          error: error instanceof Error ? error.stack ?? error.message : String(error),
        });
      })
      .finally(() => {
        active--;
        open.delete(connection);
        connection.close();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: address.hostname, port: address.port }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = server.address();
  const port = typeof bound === "object" && bound ? bound.port : address.port;
  return {
    port,
    hostname: address.hostname,
    get activeConnections() {
      return active;
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const connection of open) connection.shutdown();
      // Sessions say goodbye and end; whoever is still there after the grace period is cut off.
      const grace = new Promise<"late">((resolve) => {
        const timer = setTimeout(() => resolve("late"), SHUTDOWN_GRACE_MS);
        closed.then(() => clearTimeout(timer));
      });
      if (await Promise.race([closed, grace]) === "late") {
        for (const connection of open) connection.destroy();
        await closed;
      }
    },
  };
}
