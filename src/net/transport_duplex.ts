/**
 * A Transport seen as a node stream, so node:tls can run TLS over Deno's own
 * sockets (`new tls.TLSSocket(duplex, { isServer: true })` and
 * `tls.connect({ socket: duplex })` accept any Duplex).
 */
import { Duplex } from "node:stream";
import type { Transport } from "./transport.ts";

/** Takes over `transport`'s events for as long as it lives. */
export class TransportDuplex extends Duplex {
  readonly transport: Transport;
  /** Set while the reader above TLS takes no input: the socket is not read, whatever TLS asks. */
  #isHeld = false;

  constructor(transport: Transport) {
    super({ allowHalfOpen: true });
    this.transport = transport;
    transport.pause();
    transport.listen({
      // The transport reuses its buffer: keep a copy.
      data: (chunk) => {
        if (!this.push(chunk.slice())) transport.pause();
      },
      end: () => this.push(null),
      close: () => this.destroy(),
      drain: () => {},
    });
  }

  /**
   * Stops reading from the socket while the decrypted input is not being
   * taken (node:tls reads its source whether or not its own reader is
   * paused), and lets it go on again.
   */
  hold(isHeld: boolean): void {
    if (isHeld === this.#isHeld) return;
    this.#isHeld = isHeld;
    if (isHeld) this.transport.pause();
    else this.transport.resume();
  }

  override _read(): void {
    if (!this.#isHeld) this.transport.resume();
  }

  override _write(chunk: Uint8Array, _encoding: string, callback: () => void): void {
    this.transport.write(chunk, callback);
  }

  override _final(callback: () => void): void {
    this.transport.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    this.transport.destroy();
    callback(error);
  }
}
