/**
 * Accept throughput over STARTTLS beside plaintext: 20 concurrent Python
 * smtplib sessions against a real server on loopback, in two shapes:
 * "per-connection" (connect, [STARTTLS], send one message, quit: pays a
 * handshake per message) and "per-session" (each session sends many).
 *
 *   deno run -A scripts/bench_tls.ts [messagesPerShape=1000] [sessions=20]
 *
 * Prints one line per run: shape, mode, messages, seconds, messages/s.
 */
import { makeTestCertificates } from "../tests/e2e/certs.ts";
import { python, startServer, tempDir } from "../tests/e2e/harness.ts";

const CLIENT = `
import smtplib, ssl, sys, threading, time
port, ca, mode, shape, total, sessions = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
context = ssl.create_default_context(cafile=ca)
body = b"Subject: bench\\r\\n\\r\\n" + (b"x" * 76 + b"\\r\\n") * 26
per = total // sessions
def open_session():
    s = smtplib.SMTP("127.0.0.1", int(port), timeout=60)
    s.ehlo("bench.test")
    if mode == "starttls":
        s.starttls(context=context)
        s.ehlo("bench.test")
    return s
sent = []
errors = []
def worker():
    try:
        work()
    except Exception as e:
        errors.append(repr(e))
def work():
    if shape == "per-session":
        s = open_session()
        for _ in range(per):
            s.sendmail("a@remote.test", ["bob@example.test"], body)
            sent.append(1)
        s.quit()
    else:
        for _ in range(per):
            s = open_session()
            s.sendmail("a@remote.test", ["bob@example.test"], body)
            sent.append(1)
            s.quit()
threads = [threading.Thread(target=worker) for _ in range(sessions)]
start = time.perf_counter()
for t in threads: t.start()
for t in threads: t.join()
elapsed = time.perf_counter() - start
if errors: print("errors", len(errors), errors[0])
print("%s %s %d %.2f %.0f" % (shape, mode, len(sent), elapsed, len(sent) / elapsed))
`;

const total = Number(Deno.args[0] ?? 1000);
const sessions = Number(Deno.args[1] ?? 20);
const certs = await makeTestCertificates(tempDir());
for (const shape of ["per-connection", "per-session"]) {
  for (const mode of ["plain", "starttls"]) {
    const server = await startServer({
      users: { "bob@example.test": "pw" },
      flags: [`--tls-cert=${certs.certFile}`, `--tls-key=${certs.keyFile}`],
    });
    try {
      const out = await python(CLIENT, [
        server.ports.smtp!,
        certs.caFile,
        mode,
        shape,
        total,
        sessions,
      ]);
      console.log(out.trim());
    } finally {
      await server.stop();
    }
  }
}
