/**
 * A client that speaks only TLS 1.0 after STARTTLS/STLS, as PHP's imap_open
 * does with `/tls` (UW c-client 2007f asks OpenSSL for TLSv1_client_method):
 * TLS 1.2 is our minimum (RFC 8996 forbids 1.0 and 1.1), so the handshake
 * fails, and on every protocol the log says why, for the operator whose
 * client cannot get in.
 */
import assert from "node:assert/strict";
import { HAS_OPENSSL, makeTestCertificates } from "./certs.ts";
import { python, startServer, tempDir } from "./harness.ts";

/** Greeting, the protocol's upgrade command and its "go ahead", then a TLS 1.0-only handshake. */
const TLS10_AFTER_UPGRADE = `
import socket, ssl, sys, warnings
warnings.simplefilter("ignore")
port, proto = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port), timeout=10)
f = s.makefile("rb")
def reply(last):
    while True:
        line = f.readline()
        if line == b"" or line.startswith(last):
            return line
reply(b"" if proto == "imap" else (b"+OK" if proto == "pop3" else b"220 "))
if proto == "smtp":
    s.sendall(b"EHLO client.test\\r\\n")
    reply(b"250 ")
upgrade = {"imap": (b"a STARTTLS", b"a "), "pop3": (b"STLS", b"+OK"), "smtp": (b"STARTTLS", b"220 ")}
command, expected = upgrade[proto]
s.sendall(command + b"\\r\\n")
print("go", reply(expected).decode().strip())
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
ctx.minimum_version = ssl.TLSVersion.TLSv1
ctx.maximum_version = ssl.TLSVersion.TLSv1
try:
    ctx.wrap_socket(s, server_hostname="localhost")
    print("handshake done")
except (ssl.SSLError, OSError) as error:
    print("handshake failed")
`;

Deno.test({
  name: "a TLS 1.0-only client after STARTTLS or STLS is refused and logged with the reason",
  ignore: !HAS_OPENSSL,
  fn: async () => {
    const certs = await makeTestCertificates(tempDir("pillarbox-certs-"));
    const server = await startServer({
      flags: [`--tls-cert=${certs.certFile}`, `--tls-key=${certs.keyFile}`],
    });
    try {
      for (const proto of ["imap", "pop3", "smtp"]) {
        const out = await python(TLS10_AFTER_UPGRADE, [server.ports[proto]!, proto]);
        assert.match(out, /^go (a OK|\+OK|220 )/m, `${proto}: ${out}`);
        assert.match(out, /^handshake failed$/m, `${proto}: ${out}`);
        const line = await server.waitForLog(new RegExp(`event=${proto}\\.tls_failed `));
        assert.match(line, / ip=127\.0\.0\.1 reason=/, line);
        assert.doesNotMatch(line, /reason=unknown/, line);
      }
    } finally {
      await server.stop();
    }
  },
});
