/**
 * A Transport seen as a node stream, so node:tls can run TLS over Deno's own
 * sockets (`new tls.TLSSocket(duplex, { isServer: true })` and
 * `tls.connect({ socket: duplex })` accept any Duplex).
 */
import { Duplex } from "node:stream";
import type { Transport } from "./transport.ts";

/** Takes over `transport`'s events for as long as it lives. */
export class TransportDuplex extends Duplex {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    super({ allowHalfOpen: true });
    this.#transport = transport;
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

  override _read(): void {
    this.#transport.resume();
  }

  override _write(chunk: Uint8Array, _encoding: string, callback: () => void): void {
    this.#transport.write(chunk, callback);
  }

  override _final(callback: () => void): void {
    this.#transport.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    this.#transport.destroy();
    callback(error);
  }
}
