/**
 * STARTTLS injection (CVE-2011-0411, RFC 3207 5) however the bytes arrive:
 * a command sent in the clear after STARTTLS/STLS must never be answered
 * inside TLS, whether it came in the STARTTLS segment, split from it inside
 * the CRLF, cut in two, or in a later segment. The handshake may fail then
 * (the plaintext reaches the TLS layer), but the injected command never runs.
 */
import assert from "node:assert/strict";
import { HAS_OPENSSL, makeTestCertificates } from "./certs.ts";
import { startServer, tempDir } from "./harness.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One protocol's probe: what to send before, the go-ahead, the injection, the check inside. */
interface Probe {
  listener: string;
  before: string;
  starttls: string;
  goAhead: RegExp;
  injected: string;
  inside: string;
  /** The first reply inside TLS, when the injected command was discarded. */
  firstInside: RegExp;
}

const PROBES: Probe[] = [{
  listener: "smtp",
  before: "EHLO client.test\r\n",
  starttls: "STARTTLS\r\n",
  goAhead: /^220 2\.0\.0 .*\r\n$/m,
  injected: "EHLO injected.test\r\n",
  inside: "MAIL FROM:<x@remote.test>\r\n",
  firstInside: /^503 5\.5\.1 Send HELO or EHLO first\r\n$/,
}, {
  listener: "pop3",
  before: "CAPA\r\n",
  starttls: "STLS\r\n",
  goAhead: /^\+OK Begin TLS.*\r\n$/m,
  injected: "USER bob@example.test\r\n",
  inside: "PASS pw-bob\r\n",
  firstInside: /^-ERR /,
}, {
  listener: "imap",
  before: "",
  starttls: "a STARTTLS\r\n",
  goAhead: /^a OK .*\r\n$/m,
  injected: "b NOOP\r\n",
  inside: "c NOOP\r\n",
  firstInside: /^c OK /,
}];

/** Ways to send STARTTLS + the injected command: lists of writes. */
function splits(starttls: string, injected: string): string[][] {
  return [
    [starttls + injected],
    [starttls.slice(0, -1), "\n" + injected],
    [starttls + injected.slice(0, 3), injected.slice(3)],
    [starttls + injected.slice(0, -1), injected.slice(-1)],
    [starttls, injected],
  ];
}

/** Reads from `conn` until `pattern` matches what came (or the connection ends). */
async function readUntil(conn: Deno.Conn, pattern: RegExp): Promise<string> {
  let text = "";
  // One byte at a time: nothing after the go-ahead may be taken from the TLS layer.
  const byte = new Uint8Array(1);
  while (!pattern.test(text)) {
    if ((await conn.read(byte)) === null) return text;
    text += decoder.decode(byte);
  }
  return text;
}

Deno.test({
  name: "wire splits: a command injected after STARTTLS is never answered inside TLS, however cut",
  ignore: !HAS_OPENSSL,
  fn: async () => {
    const certs = await makeTestCertificates(tempDir());
    const server = await startServer({
      users: { "bob@example.test": "pw-bob" },
      flags: [`--tls-cert=${certs.certFile}`, `--tls-key=${certs.keyFile}`, "--insecure-auth"],
    });
    const caCerts = [Deno.readTextFileSync(certs.caFile)];
    const answered: string[] = [];
    /** Probes whose handshake completed (at least the one-write injection must). */
    const secured: string[] = [];
    try {
      for (const probe of PROBES) {
        for (const writes of splits(probe.starttls, probe.injected)) {
          const plain = await Deno.connect({
            hostname: "127.0.0.1",
            port: server.ports[probe.listener]!,
          });
          plain.setNoDelay(true);
          try {
            await readUntil(plain, /\r\n/);
            if (probe.before) {
              await plain.write(encoder.encode(probe.before));
              await readUntil(plain, /\n(250 [^\r\n]*|\.)\r\n$/);
            }
            for (const write of writes) {
              await plain.write(encoder.encode(write));
              await new Promise((resolve) => setTimeout(resolve, 5));
            }
            const goAhead = await readUntil(plain, probe.goAhead);
            assert.match(goAhead, probe.goAhead, `${probe.listener} ${JSON.stringify(writes)}`);
            const secure = await Deno.startTls(plain, { hostname: "localhost", caCerts });
            try {
              await secure.handshake();
              await secure.write(encoder.encode(probe.inside));
              const reply = await readUntil(secure, /\r\n/);
              secured.push(`${probe.listener} ${JSON.stringify(writes)}`);
              if (!probe.firstInside.test(reply)) {
                answered.push(`${probe.listener} ${JSON.stringify(writes)}: ${reply}`);
              }
            } catch {
              // The plaintext reached the TLS layer and the handshake failed: nothing ran.
            } finally {
              secure.close();
            }
          } finally {
            try {
              plain.close();
            } catch { /* closed with the TLS connection */ }
          }
        }
      }
      assert.deepEqual(answered, []);
      for (const probe of PROBES) {
        const oneWrite = JSON.stringify([probe.starttls + probe.injected]);
        assert.ok(secured.includes(`${probe.listener} ${oneWrite}`), secured.join("\n"));
      }
    } finally {
      await server.stop();
    }
  },
});
