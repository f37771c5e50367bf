/**
 * The implicit-TLS listeners (submissions 465, POP3S 995, IMAPS 993) side
 * by side: what a client over --max-connections gets, and that the slot
 * comes back. Certificates from a CA made with openssl at test time.
 */
import assert from "node:assert/strict";
import { python, startServer, tempDir } from "./harness.ts";
import { HAS_OPENSSL, makeTestCertificates } from "./certs.ts";

/**
 * Holds one TLS session on the port (greeting read), then opens a second
 * plain TCP connection and prints the bytes it got before the server closed
 * it; then closes the first and prints the greeting a new TLS client gets.
 */
const OVER_THE_LIMIT = `
import socket, ssl, sys
port, cafile = int(sys.argv[1]), sys.argv[2]
context = ssl.create_default_context(cafile=cafile)
def tls_greeting():
    s = context.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10), server_hostname="localhost")
    return s, s.makefile("rb").readline()
holder, greeting = tls_greeting()
second = socket.create_connection(("127.0.0.1", port), timeout=10)
got = b""
while True:
    chunk = second.recv(1000)
    if not chunk: break
    got += chunk
print(repr(got))
holder.close()
# The server notices the close; a new client may race it and be turned away: retry briefly.
for attempt in range(50):
    try:
        again, greeting = tls_greeting()
        if greeting: break
    except (ssl.SSLError, ConnectionError):
        pass
    __import__("time").sleep(0.1)
print(greeting.decode().split(" ")[0])
`;

Deno.test({
  name:
    "over --max-connections an implicit-TLS port closes without a plaintext line, then recovers",
  ignore: !HAS_OPENSSL,
  fn: async () => {
    const certs = await makeTestCertificates(tempDir("pillarbox-certs-"));
    const server = await startServer({
      flags: [
        `--tls-cert=${certs.certFile}`,
        `--tls-key=${certs.keyFile}`,
        "--submissions-listen=127.0.0.1:0",
        "--pop3s-listen=127.0.0.1:0",
        "--imaps-listen=127.0.0.1:0",
        "--max-connections=1",
      ],
    });
    try {
      const cases = [
        { name: "submissions", greeting: "220" },
        { name: "pop3s", greeting: "+OK" },
        { name: "imaps", greeting: "*" },
      ];
      for (const { name, greeting } of cases) {
        const out = await python(OVER_THE_LIMIT, [server.ports[name]!, certs.caFile]);
        // A TLS client cannot read a plaintext "-ERR"/"* BYE": it sees a broken handshake.
        assert.deepEqual(out.trim().split("\n"), ["b''", greeting], name);
      }
    } finally {
      await server.stop();
    }
  },
});
