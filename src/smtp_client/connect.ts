/** Opening a TCP (or implicit-TLS) connection to a remote server, with a deadline. */
import * as net from "node:net";
import * as tls from "node:tls";
import { Connection } from "../net/mod.ts";
import { SmtpClientError } from "./errors.ts";

/** Where and how to connect. */
export interface ConnectOptions {
  hostname: string;
  port: number;
  timeoutMs: number;
  /** Implicit TLS (port 465 style): handshake before the greeting. */
  tls?: tls.ConnectionOptions;
}

/** Connects; a refusal, a timeout or a failed handshake becomes a `SmtpClientError`. */
export function connectTo(options: ConnectOptions): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const target = { host: options.hostname, port: options.port };
    const socket: net.Socket = options.tls
      ? tls.connect({ ...options.tls, ...target })
      : net.createConnection(target);
    const readyEvent = options.tls ? "secureConnect" : "connect";
    const where = `${options.hostname}:${options.port}`;
    const timer = setTimeout(() => {
      fail(new SmtpClientError("connect", `Connection to ${where} timed out`, { status: "4.4.1" }));
    }, options.timeoutMs);
    const fail = (error: SmtpClientError) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    socket.once("error", (error: Error) => {
      const kind = options.tls && socket.connecting === false ? "tls" : "connect";
      fail(
        new SmtpClientError(kind, `Cannot connect to ${where}: ${error.message}`, {
          status: kind === "tls" ? "4.7.5" : "4.4.1",
        }),
      );
    });
    socket.once(readyEvent, () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      resolve(new Connection(socket, { idleTimeoutMs: options.timeoutMs }));
    });
  });
}
