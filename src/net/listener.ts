/**
 * TCP listeners with a per-listener connection limit and a process-wide one
 * (`slots`, shared by every listener). A connection over either limit gets
 * the protocol's "busy" line and is closed; it never reaches a session. With
 * `tls` set, the listener speaks implicit TLS: the handshake comes first,
 * then the session (ports 465, 995, 993), and a busy line goes after a
 * handshake too.
 */
import type { SecureContext } from "node:tls";
import { errorText, type Logger } from "../log/mod.ts";
import { Connection } from "./connection.ts";
import { ConnectionSlots } from "./connection_slots.ts";
import type { AddressCounts } from "./address_counts.ts";
import { endWithLinger } from "./linger.ts";
import { TcpTransport } from "./tcp_transport.ts";

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
  /**
   * The process-wide count of descriptors and sessions every listener shares
   * (see connection_slots.ts); none (unlimited) when absent.
   */
  slots?: ConnectionSlots;
  /** Connections per client address (see address_counts.ts); none (unlimited) when absent. */
  perAddress?: AddressCounts;
  /** Runs one session; the connection is closed when it settles. */
  onConnection: (connection: Connection) => Promise<void>;
}

/** How long open sessions get to finish their current command when the server stops. */
const SHUTDOWN_GRACE_MS = 3_000;

/** How long a refused connection gets to read the busy line before it is cut off. */
const BUSY_LINGER_MS = 2_000;
/** How long a refused implicit-TLS client gets for its handshake before it is cut off. */
const BUSY_HANDSHAKE_MS = 5_000;
/** A pause after a failed accept (out of file descriptors), so the loop does not spin. */
const ACCEPT_RETRY_MS = 100;
const ACCEPT_WARN_EVERY_MS = 10_000;

/** Binds `address` and serves each connection with `options.onConnection`. */
export function startListener(address: ListenAddress, options: ListenerOptions): Promise<Listener> {
  // A bind error (port taken, no such address) becomes the rejection.
  return new Promise((resolve) => resolve(listen(address, options)));
}

function listen(address: ListenAddress, options: ListenerOptions): Listener {
  const open = new Set<Connection>();
  const slots = options.slots ?? ConnectionSlots.unlimited();
  const closing = new AbortController();
  let isClosing = false;
  let allClosed: (() => void) | null = null;
  const server = Deno.listen({ hostname: address.hostname, port: address.port });

  // The refused connection's descriptor (taken before its accept) is given back once it is closed.
  const refuse = (conn: Deno.Conn, reason: string, ip?: string) => {
    options.log.warn("conn.refused", { proto: options.name, reason, ...(ip ? { ip } : {}) });
    const tlsContext = options.tls;
    if (!tlsContext) {
      const transport = new TcpTransport(conn);
      transport.write(options.busyLine);
      return void endWithLinger(transport, BUSY_LINGER_MS).then(() => slots.give());
    }
    // A TLS client cannot read a plaintext line: the busy line goes after a (short) handshake.
    const connection = new Connection(new TcpTransport(conn), {
      idleTimeoutMs: BUSY_HANDSHAKE_MS,
    });
    connection.startServerTls(tlsContext())
      .then((isUp) => {
        if (isUp) connection.write(options.busyLine);
      }, () => {})
      .then(() => connection.close())
      .finally(() => slots.give());
  };

  const serve = (conn: Deno.Conn) => {
    (conn as Deno.TcpConn).setNoDelay(true);
    if (open.size >= options.maxConnections) return refuse(conn, "max-connections");
    const ip = (conn.remoteAddr as Deno.NetAddr).hostname;
    const addressKey = options.perAddress ? options.perAddress.claim(ip) : "";
    if (addressKey === null) return refuse(conn, "per-address", ip);
    if (!slots.claimSession()) {
      options.perAddress?.release(addressKey);
      return refuse(conn, "server-connections");
    }
    const connection = new Connection(new TcpTransport(conn), {
      idleTimeoutMs: options.idleTimeoutMs,
    });
    open.add(connection);
    const tlsContext = options.tls;
    const ready = tlsContext ? connection.startServerTls(tlsContext()) : Promise.resolve(true);
    ready
      .then((isUp) => {
        if (isUp) return options.onConnection(connection);
        options.log.debug("tls.handshake_failed", {
          proto: options.name,
          ip: connection.remoteAddress,
          error: connection.tlsFailure ?? "unknown",
        });
      })
      .catch((error: unknown) => {
        options.log.error("session.crash", {
          proto: options.name,
          error: errorText(error),
        });
      })
      .finally(() => {
        open.delete(connection);
        options.perAddress?.release(addressKey);
        slots.endSession();
        void connection.close().then(() => slots.give());
        if (open.size === 0) allClosed?.();
      });
  };

  // Out of file descriptors (used elsewhere), accepts fail until one is free: a warning at most
  // every ACCEPT_WARN_EVERY_MS (counting the failures since the last), and a line when one works.
  let failures = 0;
  let lastWarningMs = -Infinity;
  let isWarned = false;
  /** The next connection; null once the listener is closed. */
  const acceptWithRetry = async (): Promise<Deno.Conn | null> => {
    while (true) {
      try {
        const conn = await server.accept();
        if (isWarned) {
          options.log.info("conn.accept_recovered", { proto: options.name });
          isWarned = false;
        }
        return conn;
      } catch (error) {
        if (isClosing || error instanceof Deno.errors.BadResource) return null;
        // The client reset it while it waited in the queue: take the next one at once.
        if (isGoneBeforeAccept(error)) continue;
        failures++;
        if (performance.now() - lastWarningMs >= ACCEPT_WARN_EVERY_MS) {
          options.log.warn("conn.accept_failed", {
            proto: options.name,
            error: error instanceof Error ? error.message : String(error),
            failures,
          });
          failures = 0;
          lastWarningMs = performance.now();
          isWarned = true;
        }
        await new Promise((resolve) => setTimeout(resolve, ACCEPT_RETRY_MS));
      }
    }
  };

  const accepting = (async () => {
    while (true) {
      // A descriptor for the next connection first: past the process-wide limit, clients
      // wait in the kernel's queue, and the server never runs itself out of descriptors.
      if (!await slots.take(closing.signal)) return;
      const conn = await acceptWithRetry();
      if (conn === null) return slots.give();
      try {
        serve(conn);
      } catch (error) {
        // One connection's trouble must not stop the listener.
        options.log.error("session.crash", {
          proto: options.name,
          error: errorText(error),
        });
        try {
          conn.close();
        } catch {
          // Already closed.
        }
        slots.give();
      }
    }
  })();

  const port = (server.addr as Deno.NetAddr).port;
  return {
    port,
    hostname: address.hostname,
    get activeConnections() {
      return open.size;
    },
    close: async () => {
      isClosing = true;
      closing.abort();
      server.close();
      await accepting;
      const closed = open.size === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => (allClosed = resolve));
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

/**
 * accept() fails for a connection its client reset or aborted while it waited in the
 * kernel's queue (ENOTCONN, ECONNABORTED): that connection's trouble, not the listener's.
 */
function isGoneBeforeAccept(error: unknown): boolean {
  return error instanceof Deno.errors.NotConnected ||
    error instanceof Deno.errors.ConnectionAborted ||
    error instanceof Deno.errors.ConnectionReset;
}
