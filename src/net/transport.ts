/**
 * The byte stream under a Connection: plain TCP (`TcpTransport`, Deno's own
 * sockets) or TLS on top of one (`TlsTransport`, node:tls). A Connection
 * never sees which.
 */

/** What a transport tells its owner. One owner at a time (`listen`). */
export interface TransportEvents {
  /** Bytes from the peer: a view valid only during the call (copy what you keep). */
  data(chunk: Uint8Array): void;
  /** The peer sent FIN; we may still write (a half-close). */
  end(): void;
  /** The connection is gone: reset, error, destroyed, or both directions closed. */
  close(): void;
  /** Everything written so far has been handed to the kernel. */
  drain(): void;
}

/** A connected byte stream. */
export interface Transport {
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Bytes written and not yet handed to the kernel. */
  readonly writableLength: number;
  /** Whether a write can still reach the peer. */
  readonly isWritable: boolean;
  /** True once the transport is closed for good. */
  readonly isDestroyed: boolean;
  /**
   * Hands the events to a new owner, or to nobody (null): input that
   * arrives while nobody listens waits, in order, for the next owner.
   */
  listen(events: TransportEvents | null): void;
  /** Stops reading from the peer; what arrives meanwhile waits for `resume`. */
  pause(): void;
  resume(): void;
  /** Queues bytes (strings as UTF-8); `done` runs once the kernel has them, or they are dropped. */
  write(data: string | Uint8Array, done?: () => void): void;
  /** Sends what is queued, then FIN; input after that is discarded until the peer closes too. */
  end(): void;
  /** Closes at once; queued output is dropped. */
  destroy(): void;
}
