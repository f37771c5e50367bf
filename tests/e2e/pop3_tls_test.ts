/**
 * POP3 over TLS: STLS (RFC 2595) with poplib and with the injection probe,
 * and POP3S (implicit TLS) with poplib.POP3_SSL; certificates from a CA made
 * with openssl at test time.
 */
import assert from "node:assert/strict";
import { python, type Server, startServer, tempDir } from "./harness.ts";
import { HAS_OPENSSL, makeTestCertificates } from "./certs.ts";

const BOB = "bob@example.test";
const PASSWORD = "pw-bob";
const decoder = new TextDecoder();
const encoder = new TextEncoder();

async function withTlsServer(test: (server: Server, caCert: string) => Promise<void>) {
  const certs = await makeTestCertificates(tempDir("pillarbox-certs-"));
  const server = await startServer({
    users: { [BOB]: PASSWORD },
    flags: [
      `--tls-cert=${certs.certFile}`,
      `--tls-key=${certs.keyFile}`,
      "--pop3s-listen=127.0.0.1:0",
    ],
  });
  try {
    await test(server, certs.caFile);
  } finally {
    await server.stop();
  }
}

Deno.test({
  name: "poplib STLS: USER appears only after TLS, then login works",
  ignore: !HAS_OPENSSL,
  fn: () =>
    withTlsServer(async (server, caCert) => {
      const out = await python(
        `
import poplib, ssl, sys
context = ssl.create_default_context(cafile=sys.argv[2])
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
before = sorted(p.capa())
p.stls(context)
after = sorted(p.capa())
p.user("bob@example.test")
p.pass_("pw-bob")
print(before)
print(after)
print(p.sock.version(), p.stat())
p.quit()
`,
        [server.ports.pop3!, caCert],
      );
      const [before, after, status] = out.trim().split("\n");
      assert.match(before!, /'STLS'/);
      assert.doesNotMatch(before!, /'USER'|'SASL'/);
      assert.match(after!, /'SASL'.*'USER'/);
      assert.doesNotMatch(after!, /'STLS'/);
      assert.match(status!, /^TLSv1\.[23] \(0, 0\)$/);
    }),
});

Deno.test({
  name: "STLS injection probe: a CAPA sent with STLS in one write is never answered inside TLS",
  ignore: !HAS_OPENSSL,
  fn: () =>
    withTlsServer(async (server, caCert) => {
      const plain = await Deno.connect({ hostname: "127.0.0.1", port: server.ports.pop3! });
      const readLine = async (conn: Deno.Conn | Deno.TlsConn): Promise<string | null> => {
        // One byte at a time, so nothing after the line is consumed before the handshake.
        let line = "";
        const byte = new Uint8Array(1);
        while (!line.endsWith("\r\n")) {
          if ((await conn.read(byte)) === null) return line === "" ? null : line;
          line += decoder.decode(byte);
        }
        return line.slice(0, -2);
      };
      assert.match((await readLine(plain))!, /^\+OK /);
      await plain.write(encoder.encode("STLS\r\nCAPA\r\n"));
      assert.equal(await readLine(plain), "+OK Begin TLS negotiation");
      const secure = await Deno.startTls(plain, {
        hostname: "localhost",
        caCerts: [Deno.readTextFileSync(caCert)],
      });
      try {
        await secure.handshake();
        await secure.write(encoder.encode("QUIT\r\n"));
        const lines: string[] = [];
        for (let line = await readLine(secure); line !== null; line = await readLine(secure)) {
          lines.push(line);
        }
        assert.deepEqual(lines, ["+OK mx.test signing off"], "only the QUIT reply, no CAPA");
      } finally {
        secure.close();
      }
      await server.waitForLog(/event=pop3\.tls_plaintext_discarded/);
    }),
});

Deno.test({
  name: "POP3S: poplib.POP3_SSL logs in over implicit TLS",
  ignore: !HAS_OPENSSL,
  fn: () =>
    withTlsServer(async (server, caCert) => {
      assert.ok(server.ports.pop3s, "the pop3s listener is up");
      const out = await python(
        `
import poplib, ssl, sys
context = ssl.create_default_context(cafile=sys.argv[2])
p = poplib.POP3_SSL("127.0.0.1", int(sys.argv[1]), context=context, timeout=10)
caps = p.capa()
print("STLS" in caps, "USER" in caps)
print(p.user("bob@example.test").decode())
print(p.pass_("pw-bob").decode())
print(p.quit().decode())
`,
        [server.ports.pop3s!, caCert],
      );
      const [caps, user, pass, quit] = out.trim().split("\n");
      assert.equal(caps, "False True");
      assert.match(user!, /^\+OK/);
      assert.match(pass!, /^\+OK Logged in: 0 messages/);
      assert.match(quit!, /^\+OK/);
    }),
});
