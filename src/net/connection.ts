/**
 * A TCP (or TLS) connection with a buffered, limit-enforcing reader and a
 * reply buffer that is flushed whenever the reader has to wait for the peer:
 * pipelined commands are answered in order with one write per batch.
 */
import type { ConnectionOptions, SecureContext } from "node:tls";
import { IdleTimer, MAX_TIMER_MS } from "./idle_timer.ts";
import { type ByteConsumer, isInvalidUtf8, type LineRead } from "./input.ts";
import { InputBuffer } from "./input_buffer.ts";
import { endWithLinger } from "./linger.ts";
import { normaliseIp } from "./ip_text.ts";
import { OverlongLine } from "./overlong_line.ts";
import {
  HIGH_WATER_BYTES,
  LARGE_WRITE_SLICE_BYTES,
  OUTPUT_HIGH_WATER_BYTES,
  PENDING_FLUSH_BYTES,
} from "./buffer_limits.ts";
import type { TlsInfo, TlsTransport } from "./tls_transport.ts";
import type { TlsFailure } from "./tls_upgrade.ts";
import type { Transport, TransportEvents } from "./transport.ts";
import { writeOut, writeOutAndWait } from "./write_out.ts";

export type { ByteConsumer, LineRead } from "./input.ts";

const LF = 10;
const CR = 13;
const decoder = new TextDecoder();
/** A transport plus an input buffer. Owns the transport: callers never touch it directly. */
export class Connection {
  #transport: Transport;
  readonly #input = new InputBuffer();
  #isEof = false;
  #isTimedOut = false;
  #isShuttingDown = false;
  #wake: (() => void) | null = null;
  /** Set while waiting for the peer to take our output. */
  #drained: (() => void) | null = null;
  #pending: (string | Uint8Array)[] = [];
  #pendingBytes = 0;
  #isPaused = false;
  #tlsInfo: TlsInfo | null = null;
  #tlsFailure: string | null = null;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly #idle: IdleTimer;

  constructor(transport: Transport, options: { idleTimeoutMs: number }) {
    this.#transport = transport;
    this.remoteAddress = normaliseIp(transport.remoteAddress);
    this.remotePort = transport.remotePort;
    this.#idle = new IdleTimer(options.idleTimeoutMs, () => {
      if (this.#isTimedOut) return;
      // Nobody is waiting for the peer: we are the slow one (a command still running, a login
      // delay, the disk). The peer is not idle; its idle period starts again, and the reply
      // we are about to send (flushed before the next wait) starts it once more.
      if (this.#wake === null) return this.#idle.restart();
      // After a half-close too: it bounds how long a peer may take to read our replies.
      this.#isTimedOut = true;
      this.#notify();
    });
    transport.listen(this.#events);
  }

  #onData = (chunk: Uint8Array) => {
    this.#idle.touch();
    this.#input.append(chunk);
    if (this.#input.size > HIGH_WATER_BYTES && !this.#isPaused) {
      this.#isPaused = true;
      this.#transport.pause();
    }
    this.#notify();
  };
  /**
   * The peer's FIN. It may only have half-closed (sent its last command) and
   * still read our replies: the socket stays writable (listeners allow half-open
   * connections), and the idle timer keeps bounding the wait for it to read.
   */
  #onEnd = () => {
    this.#isEof = true;
    if (!this.#isWritable()) this.#idle.stop();
    this.#notify();
  };
  #onClose = () => {
    this.#isEof = true;
    this.#idle.stop();
    this.#notify();
  };
  #onDrain = () => {
    const drained = this.#drained;
    this.#drained = null;
    drained?.();
  };
  readonly #events: TransportEvents = {
    data: this.#onData,
    end: this.#onEnd,
    close: this.#onClose,
    drain: this.#onDrain,
  };

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** Waits for input, flushing replies first; not if resume() handed held input over at once. */
  #waitForInput(): Promise<void> {
    const sizeBefore = this.#input.size;
    if (this.#isPaused) {
      this.#isPaused = false;
      this.#transport.resume();
    }
    this.flush();
    const isReady = this.#isEof || this.#isTimedOut || this.#input.size !== sizeBefore;
    return isReady ? Promise.resolve() : new Promise<void>((resolve) => (this.#wake = resolve));
  }

  /** True when unread input is waiting (used to detect STARTTLS injection). */
  hasBufferedInput(): boolean {
    return this.#input.size > 0;
  }

  /**
   * Reads one line (without its CRLF or LF). A line longer than `maxBytes`
   * (terminator included) is consumed up to its end and reported as
   * "too-long", so the session stays in sync. (Output is checked first: no async call per line.)
   */
  async readLine(maxBytes: number): Promise<LineRead> {
    if (this.#transport.writableLength > OUTPUT_HIGH_WATER_BYTES) await this.#throttleOutput();
    // Counted from the first unread byte, as everything here is.
    let scannedBytes = 0;
    /** Set once the line is known to be too long: its bytes are dropped to its end. */
    let overlong: OverlongLine | null = null;
    while (true) {
      const unread = this.#input.unread();
      const lf = unread.indexOf(LF, scannedBytes);
      if (lf >= 0) {
        const hasCr = lf > 0 && unread[lf - 1] === CR;
        // Decoded before anything is appended: `unread` is a view of the buffer.
        const bytes = unread.subarray(0, hasCr ? lf - 1 : lf);
        this.#input.consume(lf + 1);
        if (overlong !== null || lf + 1 > maxBytes) {
          return { kind: "too-long", ...(overlong ?? new OverlongLine()).edges(bytes) };
        }
        const text = decoder.decode(bytes);
        const hasInvalidUtf8 = text.includes("\uFFFD") && isInvalidUtf8(bytes);
        return { kind: "line", text, hasBareLf: !hasCr, octets: bytes.length, hasInvalidUtf8 };
      }
      if (this.#input.size > maxBytes) {
        // Drop what we have of the overlong line; keep reading to its end.
        overlong ??= new OverlongLine();
        overlong.drop(this.#input.unread());
        this.#input.consume(this.#input.size);
      }
      scannedBytes = this.#input.size;
      if (this.#isTimedOut) return { kind: "timeout" };
      if (this.#isEof) return { kind: "eof" };
      await this.#waitForInput();
    }
  }

  /** Feeds input to `consumer` until it is done; false if the peer went away first. */
  async readInto(consumer: ByteConsumer): Promise<"done" | "eof" | "timeout"> {
    while (true) {
      if (this.#input.size > 0) {
        const { used, done } = consumer.push(this.#input.unread());
        this.#input.consume(used);
        if (done) return "done";
      }
      // The socket stays paused meanwhile once our buffer is past its high-water mark.
      const backlog = consumer.backlog?.();
      if (backlog) {
        await backlog;
        continue;
      }
      if (this.#isTimedOut) return "timeout";
      if (this.#isEof) return "eof";
      await this.#waitForInput();
    }
  }

  /** Queues output; it is sent at the next flush (before any wait for input). */
  write(data: string | Uint8Array): void {
    this.#pending.push(data);
    this.#pendingBytes += data.length;
    if (this.#pendingBytes >= PENDING_FLUSH_BYTES) this.flush();
  }

  /**
   * Sends a big reply (a message body) in slices, waiting whenever the peer
   * is not taking what was sent: a slow or stalled reader makes us wait
   * rather than queue the whole body in memory. False once the peer is gone
   * or timed out (or the server stops): the rest is not sent and the
   * connection is closed at once.
   */
  async writeLarge(data: Uint8Array): Promise<boolean> {
    for (let offset = 0; offset < data.length; offset += LARGE_WRITE_SLICE_BYTES) {
      if (!await this.throttle()) {
        // Cut short, the reply cannot be resynchronised: nothing more may follow it.
        this.destroy();
        return false;
      }
      this.write(data.subarray(offset, offset + LARGE_WRITE_SLICE_BYTES));
      this.flush();
    }
    return true;
  }

  /**
   * For a command that sends a lot (a FETCH of many messages): if the peer is
   * not taking what was sent, waits as before the next read. False once the
   * peer is gone or timed out (or the server stops): stop sending then.
   */
  async throttle(): Promise<boolean> {
    await this.#throttleOutput();
    return !this.#isTimedOut && this.#isWritable();
  }

  /**
   * Before reading another command: if the peer is not taking our replies
   * (its socket buffer is over the high-water mark), wait until it drains,
   * goes away or times out. Reading stops meanwhile, so memory stays bounded.
   */
  async #throttleOutput(): Promise<void> {
    while (
      this.#transport.writableLength > OUTPUT_HIGH_WATER_BYTES && !this.#isTimedOut &&
      this.#isWritable()
    ) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.#idle.touch(); // the peer took some output
          this.#drained = null;
          this.#wake = null;
          resolve();
        };
        this.#drained = done;
        this.#wake = done; // eof, close and timeout wake us too
      });
    }
  }

  /** Whether output can still reach the peer (its input may have ended: a half-close). */
  #isWritable(): boolean {
    return this.#transport.isWritable;
  }

  /** Sends queued output now. */
  flush(): void {
    if (this.#pending.length === 0 || this.#transport.isDestroyed) {
      this.#pending.length = 0;
      this.#pendingBytes = 0;
      return;
    }
    // Output the peer is not taking (past the high-water mark) is no sign of life: a client
    // that stopped reading must time out even while we queue untagged updates for it (IDLE).
    if (this.#transport.writableLength <= OUTPUT_HIGH_WATER_BYTES) this.#idle.touch();
    const pending = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    writeOut(this.#transport, pending);
  }

  /** Sends queued output and waits until the kernel has it. */
  drain(): Promise<void> {
    this.#idle.touch();
    const pending = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    return writeOutAndWait(this.#transport, pending);
  }

  /** Version and cipher once TLS is up, else null. */
  get tls(): TlsInfo | null {
    return this.#tlsInfo;
  }

  /** Why the TLS handshake failed (e.g. "self-signed certificate"), once it has; else null. */
  get tlsFailure(): string | null {
    return this.#tlsFailure;
  }

  /**
   * Upgrades to TLS as the server (STARTTLS/STLS, or implicit TLS at once).
   * Any plaintext the client sent ahead of the handshake is discarded
   * (CVE-2011-0411); queued output (the "220 go ahead") is sent in the clear first.
   */
  async startServerTls(context: SecureContext): Promise<boolean> {
    const raw = this.#handOver();
    raw.pause();
    this.#input.clear();
    // A peer that reads nothing more would keep the go-ahead from ever leaving.
    if (!await this.drainWithin(this.#handshakeDeadlineMs())) {
      this.destroy();
      return this.#useTls({ reason: "the client did not read the go-ahead" });
    }
    const { upgradeAsServer } = await import("./tls_upgrade.ts");
    return this.#useTls(await upgradeAsServer(raw, context, this.#handshakeDeadlineMs()));
  }

  /** `drain()` with a deadline: false when the peer has not taken the output within `ms`. */
  async drainWithin(ms: number): Promise<boolean> {
    const expired = Promise.withResolvers<boolean>();
    this.setDeadline(ms, () => expired.resolve(false));
    const isDrained = await Promise.race([this.drain().then(() => true), expired.promise]);
    this.clearDeadline();
    return isDrained;
  }

  /** Upgrades to TLS as the client (STARTTLS to a remote server). */
  async startClientTls(options: ConnectionOptions): Promise<boolean> {
    const raw = this.#handOver();
    this.#input.clear();
    const { upgradeAsClient } = await import("./tls_upgrade.ts");
    return this.#useTls(await upgradeAsClient(raw, options, this.#handshakeDeadlineMs()));
  }

  /** Lets go of the plain transport's events; the handshake has a deadline of its own. */
  #handOver(): Transport {
    this.#transport.listen(null);
    this.#idle.stop();
    return this.#transport;
  }

  #handshakeDeadlineMs(): number {
    return Math.min(this.#idle.timeoutMs, MAX_TIMER_MS);
  }

  #useTls(secure: TlsTransport | TlsFailure): boolean {
    if ("reason" in secure) {
      this.#tlsFailure = secure.reason;
      this.#isEof = true;
      return false;
    }
    this.#transport = secure;
    this.#idle.restart(); // a fresh idle period from the end of the handshake, as before it
    this.#tlsInfo = secure.info;
    secure.listen(this.#events);
    return true;
  }

  /**
   * Asks the session to end: a pending or next read reports "timeout", and
   * `isShuttingDown` tells the session to say so (421 4.3.2, BYE, -ERR).
   * Commands already being processed finish normally.
   */
  shutdown(): void {
    this.#isShuttingDown = true;
    this.#isTimedOut = true;
    this.#notify();
  }

  /**
   * True once the connection is gone for good (the peer reset it, an error, or
   * we closed it), not merely half-closed: no reply can reach the peer any more.
   */
  get isClosed(): boolean {
    return this.#transport.isDestroyed;
  }

  /** True once `shutdown` was called (the "timeout" is the server stopping). */
  get isShuttingDown(): boolean {
    return this.#isShuttingDown;
  }

  /** Changes the idle timeout (e.g. a longer one while waiting for a DATA line). */
  setIdleTimeout(ms: number): void {
    this.#idle.restart(ms);
  }

  /**
   * Calls `onExpired` after `ms` whatever the peer does, unless `clearDeadline`
   * comes first. One at a time, on the idle timeout's timer (no timer of its own).
   */
  setDeadline(ms: number, onExpired: () => void): void {
    this.#idle.setDeadline(ms, onExpired);
  }

  clearDeadline(): void {
    this.#idle.clearDeadline();
  }

  /** Flushes and closes gracefully; resolves once the socket is closed. */
  close(): Promise<void> {
    this.flush();
    this.#idle.stop();
    const transport = this.#transport;
    // The session is over: let its input buffer go now, not when the connection object does.
    this.#input.release();
    if (transport.isDestroyed) return Promise.resolve();
    // Linger so the peer reads our last reply before any reset; shorter when the server stops.
    return endWithLinger(transport, this.#isShuttingDown ? 200 : 2000);
  }

  /** Closes at once without flushing. */
  destroy(): void {
    this.#idle.stop();
    this.#transport.destroy();
  }
}
