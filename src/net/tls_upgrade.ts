/**
 * Starting TLS on an open transport, as the server (STARTTLS, STLS, implicit
 * TLS) or as the client (STARTTLS to a remote server). Loaded only when TLS
 * is first used: node:tls and node:net cost a server without TLS ~7 MB.
 */
import * as tls from "node:tls";
import { TlsTransport } from "./tls_transport.ts";
import type { Transport } from "./transport.ts";
import { TransportDuplex } from "./transport_duplex.ts";

/** The handshake as the server; null if it fails or takes longer than `deadlineMs`. */
export function upgradeAsServer(
  raw: Transport,
  context: tls.SecureContext,
  deadlineMs: number,
): Promise<TlsTransport | null> {
  const duplex = new TransportDuplex(raw);
  const secure = new tls.TLSSocket(duplex, { isServer: true, secureContext: context });
  return handshake(secure, "secure", duplex, deadlineMs);
}

/** The handshake as the client; null if it fails or takes longer than `deadlineMs`. */
export function upgradeAsClient(
  raw: Transport,
  options: tls.ConnectionOptions,
  deadlineMs: number,
): Promise<TlsTransport | null> {
  const duplex = new TransportDuplex(raw);
  const secure = tls.connect({ ...options, socket: duplex });
  return handshake(secure, "secureConnect", duplex, deadlineMs);
}

async function handshake(
  secure: tls.TLSSocket,
  readyEvent: string,
  duplex: TransportDuplex,
  deadlineMs: number,
): Promise<TlsTransport | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const isUp = await new Promise<boolean>((resolve) => {
    secure.once(readyEvent, () => resolve(true));
    secure.once("error", () => resolve(false));
    secure.once("close", () => resolve(false));
    // The peer half-closed before finishing: it can send nothing more, so the
    // handshake cannot complete. ("end" follows whatever came before the FIN,
    // so a handshake finished just before it is already "up".)
    secure.once("end", () => resolve(false));
    // A peer that never completes the handshake must not hold the slot forever.
    timer = setTimeout(() => resolve(false), deadlineMs);
  });
  clearTimeout(timer);
  if (isUp) return new TlsTransport(secure, duplex);
  secure.on("error", () => {});
  secure.destroy();
  return null;
}
