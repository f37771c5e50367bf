/**
 * An APPEND literal is read into one buffer of its announced size, made when
 * its bytes start coming: a 20 MB message costs 20 MB, not the 36 MB a
 * buffer doubled as the bytes came held at its last copy (and some 40 MB
 * made in all). Counted in bytes of the arrays made while the command is
 * read, not in time or RSS.
 */
import assert from "node:assert/strict";
import { readCommand } from "../../src/imap/command_reader.ts";
import { Connection } from "../../src/net/mod.ts";
import type { Transport, TransportEvents } from "../../src/net/transport.ts";
import { countingArrays } from "../net/array_count.ts";

/** A transport the test feeds; while paused it holds chunks, delivered in `resume`. */
class FedTransport implements Transport {
  readonly remoteAddress = "127.0.0.1";
  readonly remotePort = 1;
  readonly writableLength = 0;
  readonly isWritable = true;
  isDestroyed = false;
  #isPaused = false;
  #events: TransportEvents | null = null;
  #held: Uint8Array[] = [];
  listen(events: TransportEvents | null): void {
    this.#events = events;
  }
  receive(chunk: Uint8Array): void {
    if (this.#isPaused) this.#held.push(chunk);
    else this.#events?.data(chunk);
  }
  pause(): void {
    this.#isPaused = true;
  }
  resume(): void {
    this.#isPaused = false;
    while (this.#held.length > 0 && !this.#isPaused) this.#events?.data(this.#held.shift()!);
  }
  write(_data: string | Uint8Array, done?: () => void): void {
    done?.();
  }
  end(): void {}
  destroy(): void {
    this.isDestroyed = true;
  }
}

const encoder = new TextEncoder();
const LITERAL_BYTES = 8 * 1000 * 1000;
/** Bigger than a socket read, so the connection's read pieces do not count. */
const MIN_COUNTED_BYTES = 32 * 1024;
/** The connection's own input array (128 KB at most, grown by doubling). */
const INPUT_ROOM_BYTES = 256 * 1024;

Deno.test("an APPEND literal is read into one buffer of its size", async () => {
  const transport = new FedTransport();
  const connection = new Connection(transport, { idleTimeoutMs: 10_000 });
  try {
    transport.receive(encoder.encode(`a APPEND INBOX {${LITERAL_BYTES}+}\r\n`));
    const piece = new Uint8Array(16 * 1024).fill(0x61);
    for (let sent = 0; sent < LITERAL_BYTES; sent += piece.length) {
      transport.receive(piece.subarray(0, Math.min(piece.length, LITERAL_BYTES - sent)));
    }
    transport.receive(encoder.encode("\r\n"));
    const { result, bytes } = await countingArrays(
      () => readCommand(connection, { maxAppendBytes: 25_000_000, isAuthenticated: true }),
      { minBytes: MIN_COUNTED_BYTES },
    );
    assert.equal(result.kind, "command");
    if (result.kind !== "command") return;
    const literal = result.raw.literals[0]!;
    assert.equal(literal.length, LITERAL_BYTES);
    assert.ok(literal.every((byte) => byte === 0x61), "the literal's bytes");
    assert.ok(
      bytes <= LITERAL_BYTES + INPUT_ROOM_BYTES,
      `reading a literal of ${LITERAL_BYTES} bytes made arrays of ${bytes} bytes`,
    );
  } finally {
    connection.destroy();
  }
});

Deno.test("an announced literal whose bytes never come makes no buffer of its size", async () => {
  const transport = new FedTransport();
  const connection = new Connection(transport, { idleTimeoutMs: 10_000 });
  try {
    transport.receive(encoder.encode(`a APPEND INBOX {${LITERAL_BYTES}+}\r\n`));
    const { result, bytes } = await countingArrays(() => {
      const read = readCommand(connection, { maxAppendBytes: 25_000_000, isAuthenticated: true });
      connection.shutdown(); // the session ends before any byte of the literal
      return read;
    });
    assert.equal(result.kind, "timeout");
    assert.ok(bytes < LITERAL_BYTES, `made arrays of ${bytes} bytes for a literal never sent`);
  } finally {
    connection.destroy();
  }
});
