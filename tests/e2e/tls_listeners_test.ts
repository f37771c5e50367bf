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
 * TLS connection and prints the line it got after the handshake and whether
 * the server closed it after; then closes the first and prints the greeting
 * a new TLS client gets (argv[3]: how a greeting begins).
 */
const OVER_THE_LIMIT = `
import socket, ssl, sys
port, cafile, greets = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode()
context = ssl.create_default_context(cafile=cafile)
def tls_greeting():
    s = context.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10), server_hostname="localhost")
    return s, s.makefile("rb").readline()
holder, greeting = tls_greeting()
second, refusal = tls_greeting()
print(refusal.decode().strip())
print("closed" if second.recv(1000) == b"" else "open")
holder.close()
# The server notices the close; a new client may race it and be turned away: retry briefly.
for attempt in range(50):
    try:
        again, greeting = tls_greeting()
        if greeting.startswith(greets): break
    except (ssl.SSLError, ConnectionError):
        pass
    __import__("time").sleep(0.1)
print(greeting.decode().split(" ")[0])
`;

Deno.test({
  name: "over --max-connections an implicit-TLS port says busy after the handshake, then recovers",
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
        { name: "submissions", greeting: "220", busy: /^421 4\.\d\.\d / },
        { name: "pop3s", greeting: "+OK", busy: /^-ERR \[SYS\/TEMP\] / },
        { name: "imaps", greeting: "* OK", busy: /^\* BYE / },
      ];
      for (const { name, greeting, busy } of cases) {
        const out = await python(OVER_THE_LIMIT, [server.ports[name]!, certs.caFile, greeting]);
        // The busy line goes inside TLS (a TLS client cannot read a plaintext one), then FIN.
        const [refusal, closed, again] = out.trim().split("\n");
        assert.match(refusal ?? "", busy, name);
        assert.deepEqual([closed, again], ["closed", greeting.split(" ")[0]], name);
      }
    } finally {
      await server.stop();
    }
  },
});
