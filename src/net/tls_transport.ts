/** A node:tls socket (over a `TransportDuplex`) as a Transport. */
import type { TLSSocket } from "node:tls";
import type { Transport, TransportEvents } from "./transport.ts";
import type { TransportDuplex } from "./transport_duplex.ts";

/** The TLS session's version and cipher, for Received headers and logs. */
export interface TlsInfo {
  protocol: string;
  cipher: string;
}

/** An established TLS session. */
export class TlsTransport implements Transport {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly info: TlsInfo;
  readonly #socket: TLSSocket;
  readonly #duplex: TransportDuplex;
  #detach: (() => void) | null = null;
  #isPaused = false;
  #hasOwner = false;

  /** `duplex` carries the TLS records over the plain transport (which knows the peer's address). */
  constructor(socket: TLSSocket, duplex: TransportDuplex) {
    this.#socket = socket;
    this.#duplex = duplex;
    this.remoteAddress = duplex.transport.remoteAddress;
    this.remotePort = duplex.transport.remotePort;
    const cipher = socket.getCipher();
    this.info = { protocol: socket.getProtocol() ?? "TLS", cipher: cipher?.name ?? "unknown" };
    // An 'error' with no listener would throw; `close` follows it and tells the owner.
    socket.on("error", () => {});
    // node:tls does not notice by itself that the socket under it is gone (a write to a
    // peer that reset): without this it would go on encrypting for nobody, never closing.
    if (duplex.destroyed) socket.destroy();
    else duplex.once("close", () => socket.destroy());
  }

  get writableLength(): number {
    return this.#socket.writableLength;
  }

  get isWritable(): boolean {
    return !this.isDestroyed && this.#socket.writable;
  }

  get isDestroyed(): boolean {
    return this.#socket.destroyed || this.#duplex.destroyed;
  }

  listen(events: TransportEvents | null): void {
    this.#detach?.();
    this.#detach = null;
    this.#hasOwner = events !== null;
    if (events !== null) {
      const socket = this.#socket;
      const onData = (chunk: Uint8Array) => events.data(chunk);
      const onEnd = () => events.end();
      const onClose = () => events.close();
      const onDrain = () => events.drain();
      socket.on("data", onData);
      socket.on("end", onEnd);
      socket.on("close", onClose);
      socket.on("drain", onDrain);
      this.#detach = () => {
        socket.off("data", onData);
        socket.off("end", onEnd);
        socket.off("close", onClose);
        socket.off("drain", onDrain);
      };
      if (socket.destroyed) queueMicrotask(onClose);
    }
    this.#applyFlow();
  }

  pause(): void {
    this.#isPaused = true;
    this.#applyFlow();
  }

  resume(): void {
    this.#isPaused = false;
    this.#applyFlow();
  }

  /**
   * Input flows only to an owner that is not paused; otherwise the socket
   * under TLS is not read either (TLS alone would read and decrypt all the
   * peer sends, holding it in memory).
   */
  #applyFlow(): void {
    const isStopped = this.#isPaused || !this.#hasOwner;
    this.#duplex.hold(isStopped);
    if (isStopped) this.#socket.pause();
    else this.#socket.resume();
  }

  write(data: string | Uint8Array, done?: () => void): void {
    this.#socket.write(data, done ? () => done() : undefined);
  }

  end(): void {
    this.#socket.end();
  }

  destroy(): void {
    this.#socket.destroy();
  }
}
