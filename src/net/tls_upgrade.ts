/**
 * Starting TLS on an open transport, as the server (STARTTLS, STLS, implicit
 * TLS) or as the client (STARTTLS to a remote server). Loaded only when TLS
 * is first used: node:tls and node:net cost a server without TLS ~7 MB.
 */
import * as tls from "node:tls";
import { TlsTransport } from "./tls_transport.ts";
import type { Transport } from "./transport.ts";
import { TransportDuplex } from "./transport_duplex.ts";

/** Why a handshake failed, for logs and the delivery reason ("self-signed certificate"). */
export interface TlsFailure {
  reason: string;
}

/** The handshake as the server; a `TlsFailure` if it fails or takes longer than `deadlineMs`. */
export function upgradeAsServer(
  raw: Transport,
  context: tls.SecureContext,
  deadlineMs: number,
): Promise<TlsTransport | TlsFailure> {
  const duplex = new TransportDuplex(raw);
  // node:tls (Deno 2.9) starts a server socket on the next tick and takes input that reached it
  // before then as part of the start; a handshake that fails right there (a client that sent
  // plaintext or TLS 1.0 after STARTTLS, held by the transport) throws an uncaught TypeError
  // that ends the process. So the socket gets no input until a timer, after that tick.
  duplex.hold(true);
  const secure = new tls.TLSSocket(duplex, { isServer: true, secureContext: context });
  setTimeout(() => duplex.hold(false), 0);
  return handshake(secure, "secure", duplex, deadlineMs);
}

/**
 * The handshake as the client; a `TlsFailure` if it fails (a certificate that
 * does not verify, too) or takes longer than `deadlineMs`.
 */
export function upgradeAsClient(
  raw: Transport,
  options: tls.ConnectionOptions,
  deadlineMs: number,
): Promise<TlsTransport | TlsFailure> {
  const duplex = new TransportDuplex(raw);
  const secure = tls.connect({ ...options, socket: duplex });
  return handshake(secure, "secureConnect", duplex, deadlineMs);
}

async function handshake(
  secure: tls.TLSSocket,
  readyEvent: string,
  duplex: TransportDuplex,
  deadlineMs: number,
): Promise<TlsTransport | TlsFailure> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  // null: up. The first answer wins (a "close" follows every "error").
  const failure = await new Promise<string | null>((resolve) => {
    secure.once(readyEvent, () => resolve(null));
    secure.once("error", (error: Error) => resolve(error.message));
    secure.once("close", () => resolve("the connection was closed"));
    // The peer half-closed before finishing: it can send nothing more, so the
    // handshake cannot complete. ("end" follows whatever came before the FIN,
    // so a handshake finished just before it is already "up".)
    secure.once("end", () => resolve("the peer ended the connection"));
    // A peer that never completes the handshake must not hold the slot forever.
    timer = setTimeout(() => resolve(`not done within ${deadlineMs} ms`), deadlineMs);
  });
  clearTimeout(timer);
  if (failure === null) return new TlsTransport(secure, duplex);
  secure.on("error", () => {});
  secure.destroy();
  return { reason: failure };
}
