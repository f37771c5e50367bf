/**
 * A client that half-closes (FIN) before finishing the TLS handshake can
 * never finish it: the server must close at once and give its slot back,
 * not wait for the handshake deadline (the idle timeout, minutes) with the
 * socket in CLOSE-WAIT. With --max-connections=1 a second client proves the
 * slot came back.
 */
import assert from "node:assert/strict";
import { python, startServer, tempDir } from "./harness.ts";
import { HAS_OPENSSL, makeTestCertificates } from "./certs.ts";

/**
 * argv: port, cafile, what to say first ("-" for nothing, else "|" for CRLF and
 * read one reply line per "|"), what a TLS client should read first afterwards
 * ("starttls:<command>" to upgrade a plain session). Sends a partial ClientHello,
 * half-closes, prints "closed" or "still open" after 10 s, then the greeting a
 * new TLS client gets.
 */
const HALF_CLOSE_IN_HANDSHAKE = `
import socket, ssl, sys
port, cafile, before, second = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
context = ssl.create_default_context(cafile=cafile)
first = socket.create_connection(("127.0.0.1", port), timeout=10)
reader = first.makefile("rb")
if before != "-":
    reader.readline()
    first.sendall(before.replace("|", "\\r\\n").encode())
    for _ in range(before.count("|")):
        line = reader.readline()
        while line[3:4] == b"-":
            line = reader.readline()
incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
try:
    context.wrap_bio(incoming, outgoing, server_hostname="localhost").do_handshake()
except ssl.SSLWantReadError:
    pass
first.sendall(outgoing.read()[:40])
first.shutdown(socket.SHUT_WR)
try:
    while first.recv(4096):
        pass
    print("closed")
except socket.timeout:
    print("still open")
plain = socket.create_connection(("127.0.0.1", port), timeout=10)
if second.startswith("starttls:"):
    plain.makefile("rb").readline()
    plain.sendall(second[9:].replace("|", "\\r\\n").encode())
    lines = plain.makefile("rb")
    for _ in range(second.count("|")):
        line = lines.readline()
        while line[3:4] == b"-":
            line = lines.readline()
tls = context.wrap_socket(plain, server_hostname="localhost")
tls.sendall(b"NOOP\\r\\n" if second.startswith("starttls:") else b"")
print(tls.recv(4096).decode().split(" ")[0])
`;

Deno.test({
  name: "a client that half-closes in the middle of a TLS handshake is closed and frees its slot",
  ignore: !HAS_OPENSSL,
  fn: async () => {
    const certs = await makeTestCertificates(tempDir("pillarbox-certs-"));
    const server = await startServer({
      flags: [
        `--tls-cert=${certs.certFile}`,
        `--tls-key=${certs.keyFile}`,
        "--imaps-listen=127.0.0.1:0",
        "--max-connections=1",
      ],
    });
    try {
      const cases = [
        {
          name: "IMAPS (implicit TLS)",
          port: server.ports.imaps!,
          before: "-",
          then: "-",
          first: "*",
        },
        {
          name: "SMTP STARTTLS",
          port: server.ports.smtp!,
          before: "EHLO client.test|STARTTLS|",
          then: "starttls:EHLO client.test|STARTTLS|",
          first: "250",
        },
        {
          name: "POP3 STLS",
          port: server.ports.pop3!,
          before: "STLS|",
          then: "starttls:STLS|",
          first: "-ERR",
        },
      ];
      for (const row of cases) {
        const out = await python(HALF_CLOSE_IN_HANDSHAKE, [
          row.port,
          certs.caFile,
          row.before,
          row.then,
        ]);
        assert.deepEqual(out.trim().split("\n"), ["closed", row.first], `${row.name}: ${out}`);
      }
    } finally {
      await server.stop();
    }
  },
});

/**
 * argv: port, command, "fin" or "rst". Sends the command that starts TLS
 * without waiting for its reply, then half-closes (and prints "closed" once
 * the server closes, "still open" after 10 s) or resets; then prints the first
 * word a new client is greeted with, trying again for a while as long as it
 * gets the "too many connections" line (the server may not have seen the
 * reset yet).
 */
const GONE_AFTER_STARTTLS = `
import socket, struct, sys, time
port, command, how = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.makefile("rb").readline()
s.sendall(command.encode() + b"\\r\\n")
if how == "fin":
    s.shutdown(socket.SHUT_WR)
    try:
        while s.recv(4096):
            pass
        print("closed")
    except socket.timeout:
        print("still open")
else:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
for attempt in range(50):
    line = socket.create_connection(("127.0.0.1", port), timeout=10).makefile("rb").readline().decode()
    if "oo many connections" not in line:
        break
    time.sleep(0.1)
print(line.split(" ")[0])
`;

Deno.test({
  name: "a client gone right after asking for TLS, before the reply, frees its slot",
  ignore: !HAS_OPENSSL,
  fn: async () => {
    const certs = await makeTestCertificates(tempDir("pillarbox-certs-"));
    const server = await startServer({
      flags: [`--tls-cert=${certs.certFile}`, `--tls-key=${certs.keyFile}`, "--max-connections=1"],
    });
    try {
      const cases = [
        {
          name: "SMTP",
          port: server.ports.smtp!,
          command: "EHLO client.test\r\nSTARTTLS",
          first: "220",
        },
        { name: "POP3", port: server.ports.pop3!, command: "STLS", first: "+OK" },
        { name: "IMAP", port: server.ports.imap!, command: "a STARTTLS", first: "*" },
      ];
      for (const row of cases) {
        const halfClosed = await python(GONE_AFTER_STARTTLS, [row.port, row.command, "fin"]);
        assert.deepEqual(halfClosed.trim().split("\n"), ["closed", row.first], `${row.name} FIN`);
        const reset = await python(GONE_AFTER_STARTTLS, [row.port, row.command, "rst"]);
        assert.equal(reset.trim(), row.first, `${row.name} reset`);
      }
    } finally {
      await server.stop();
    }
  },
});
