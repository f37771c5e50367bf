/** Opening a TCP (or implicit-TLS) connection to a remote server, with a deadline. */
import { formatHostPort } from "../config/mod.ts";
import type { ConnectionOptions } from "node:tls";
import { Connection } from "../net/mod.ts";
import { TcpTransport } from "../net/tcp_transport.ts";
import { SmtpClientError } from "./errors.ts";

/** Where and how to connect. */
export interface ConnectOptions {
  hostname: string;
  port: number;
  timeoutMs: number;
  /** Implicit TLS (port 465 style): handshake before the greeting. */
  tls?: ConnectionOptions;
}

/** Connects; a refusal, a timeout or a failed handshake becomes a `SmtpClientError`. */
export async function connectTo(options: ConnectOptions): Promise<Connection> {
  const where = formatHostPort(options);
  const deadline = AbortSignal.timeout(options.timeoutMs);
  let conn: Deno.TcpConn;
  try {
    conn = await Deno.connect({ hostname: options.hostname, port: options.port, signal: deadline });
  } catch (error) {
    const message = deadline.aborted
      ? `Connection to ${where} timed out`
      : `Cannot connect to ${where}: ${error instanceof Error ? error.message : String(error)}`;
    throw new SmtpClientError("connect", message, { status: "4.4.1" });
  }
  conn.setNoDelay(true);
  const connection = new Connection(new TcpTransport(conn), { idleTimeoutMs: options.timeoutMs });
  if (options.tls && !await startTls(connection, options.tls)) {
    connection.destroy();
    const why = connection.tlsFailure === null ? "" : `: ${connection.tlsFailure}`;
    throw new SmtpClientError("tls", `Cannot connect to ${where}: TLS handshake failed${why}`, {
      status: "4.7.5",
    });
  }
  return connection;
}

/** The handshake; false if it fails, also when node:tls throws (the socket is closed then). */
async function startTls(connection: Connection, options: ConnectionOptions): Promise<boolean> {
  try {
    return await connection.startClientTls(options);
  } catch {
    return false;
  }
}
