/**
 * Bytes a client sent after STARTTLS that arrived while nobody owned the
 * socket are held by the transport and handed over, synchronously, when the
 * TLS layer first asks to read (TcpTransport.resume). When those bytes fail
 * the handshake (no TLS at all, or a TLS version below 1.2), the failure must
 * come back as a TlsFailure: node:tls in Deno 2.9 takes input that reaches it
 * before its deferred start as part of the start, and a handshake that fails
 * there left it reading a handle it had just dropped, an uncaught TypeError
 * ("Cannot read properties of null (reading '_flushEncOut')") that ended the
 * whole server.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { upgradeAsServer } from "../../src/net/tls_upgrade.ts";
import type { Transport, TransportEvents } from "../../src/net/transport.ts";
import { HAS_OPENSSL, makeTestCertificates, serverContextFor } from "../e2e/certs.ts";

/** A transport that holds `input` until resumed and then delivers it at once, as TcpTransport does. */
class HeldInputTransport implements Transport {
  readonly remoteAddress = "192.0.2.1";
  readonly remotePort = 40000;
  readonly writableLength = 0;
  isWritable = true;
  isDestroyed = false;
  #events: TransportEvents | null = null;
  #isPaused = false;
  #held: Uint8Array[];

  constructor(input: Uint8Array) {
    this.#held = [input];
  }

  listen(events: TransportEvents | null): void {
    this.#events = events;
    this.#deliver();
  }

  pause(): void {
    this.#isPaused = true;
  }

  resume(): void {
    this.#isPaused = false;
    this.#deliver();
  }

  #deliver(): void {
    while (this.#events !== null && !this.#isPaused && this.#held.length > 0) {
      this.#events.data(this.#held.shift()!);
    }
  }

  write(_data: string | Uint8Array, done?: () => void): void {
    if (done) queueMicrotask(done);
  }

  end(): void {
    this.isWritable = false;
  }

  destroy(): void {
    if (this.isDestroyed) return;
    this.isDestroyed = true;
    this.isWritable = false;
    this.#events?.close();
  }
}

/** A TLS 1.0 ClientHello record header and the start of its handshake: a client that offers no TLS 1.2. */
const OLD_CLIENT_HELLO = new Uint8Array([
  ...[0x16, 0x03, 0x01, 0x00, 0x2d], // handshake record, TLS 1.0, 45 bytes
  ...[0x01, 0x00, 0x00, 0x29, 0x03, 0x01], // ClientHello, 41 bytes, client_version TLS 1.0
  ...new Uint8Array(32), // random
  ...[0x00, 0x00, 0x02, 0x00, 0x2f, 0x01, 0x00], // no session, one suite, no compression
]);

const HELD_INPUTS: ReadonlyArray<readonly [string, Uint8Array]> = [
  ["plaintext (a client that did not start TLS)", new TextEncoder().encode("EHLO client\r\n")],
  ["a ClientHello below TLS 1.2", OLD_CLIENT_HELLO],
];

for (const [what, input] of HELD_INPUTS) {
  Deno.test({
    name:
      `upgradeAsServer() answers held input that fails the handshake, ${what}, with a TlsFailure`,
    ignore: !HAS_OPENSSL,
    fn: async () => {
      const dir = makeTestDir();
      try {
        const context = serverContextFor(await makeTestCertificates(dir));
        const transport = new HeldInputTransport(input);
        transport.pause();
        const result = await upgradeAsServer(transport, context, 5_000);
        assert.ok("reason" in result, "the handshake succeeded");
        assert.ok(transport.isDestroyed, "the connection was left open");
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}
