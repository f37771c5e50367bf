/**
 * A flood of connections on every listener, implicit TLS included, under a
 * descriptor limit far below what the listeners' own limits allow: the
 * server refuses the excess with each protocol's busy line from one
 * process-wide limit, never runs out of descriptors, and takes mail after.
 * (Before, it ran out: accepts failed, clients hung in the queue, and a
 * TLS handshake's error stack could make Deno 2.9 panic and end the process.)
 */
import assert from "node:assert/strict";
import { maildirFiles, python, startServer, tempDir, waitUntil } from "./harness.ts";
import { HAS_OPENSSL, makeTestCertificates } from "./certs.ts";
import { HAS_PRLIMIT, withFileLimit } from "./prlimit.ts";
import { sendWithSmtplib } from "./smtplib_send.ts";

/** Connections per listener: seven listeners, 280 connections under a limit of 64 files. */
const PER_LISTENER = 40;

/**
 * Opens PER_LISTENER connections to each listener at once and reads each
 * one's first line (after a verified handshake on the TLS ones). A greeted
 * connection is held open until all are read, so the flood stays; a busy one
 * is closed as a client does. Prints JSON: listener -> {kind: count}.
 */
const FLOOD_PY = `
import json, socket, ssl, sys, threading
ca, per = sys.argv[1], int(sys.argv[2])
targets = [(t.split("=")[0], int(t.split("=")[1])) for t in sys.argv[3:]]
TLS = {"submissions", "pop3s", "imaps"}
GREETING = (b"220 ", b"+OK ", b"* OK ")
BUSY = (b"421 ", b"-ERR [SYS/TEMP] ", b"* BYE ")
context = ssl.create_default_context(cafile=ca)
results, held, lock = {}, [], threading.Lock()
def one(name, port):
    sock = None
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=8)
        if name in TLS:
            sock = context.wrap_socket(sock, server_hostname="localhost")
        line = sock.makefile("rb").readline()
        kind = "greeting" if line.startswith(GREETING) else "busy" if line.startswith(BUSY) else "other:" + repr(line[:40])
    except Exception as e:
        kind = type(e).__name__
    with lock:
        results.setdefault(name, {}).setdefault(kind, 0)
        results[name][kind] += 1
        if kind == "greeting":
            held.append(sock)
        elif sock is not None:
            sock.close()
threads = [threading.Thread(target=one, args=t) for t in targets for _ in range(per)]
for t in threads: t.start()
for t in threads: t.join()
for sock in held: sock.close()
print(json.dumps(results))
`;

Deno.test({
  name:
    "a flood on every listener under a low descriptor limit gets busy lines and the server takes mail after",
  ignore: !HAS_PRLIMIT || !HAS_OPENSSL,
  fn: async () => {
    const certs = await makeTestCertificates(tempDir("pillarbox-certs-"));
    const server = await startServer({
      users: { "bob@example.test": "pw" },
      flags: [
        `--tls-cert=${certs.certFile}`,
        `--tls-key=${certs.keyFile}`,
        "--submissions-listen=127.0.0.1:0",
        "--pop3s-listen=127.0.0.1:0",
        "--imaps-listen=127.0.0.1:0",
        "--insecure-auth",
      ],
      wrap: withFileLimit(64),
    });
    try {
      const limit = await server.waitForLog(/event=server\.connection_limit /);
      const sessionLimit = Number(/ sessions=(\d+) /.exec(limit)?.[1]);
      assert.ok(sessionLimit >= 1 && sessionLimit < 64, limit);
      const names = ["smtp", "submission", "submissions", "pop3", "pop3s", "imap", "imaps"];
      const out = await python(FLOOD_PY, [
        certs.caFile,
        PER_LISTENER,
        ...names.map((name) => `${name}=${server.ports[name]}`),
      ]);
      const results: Record<string, Record<string, number>> = JSON.parse(out);
      let greeted = 0;
      for (const name of names) {
        const kinds = results[name] ?? {};
        // Every client was answered: a greeting or the busy line, never a reset, EOF or a hang.
        assert.deepEqual(
          Object.keys(kinds).filter((kind) => kind !== "greeting" && kind !== "busy"),
          [],
          `${name}: ${JSON.stringify(kinds)}`,
        );
        assert.ok((kinds.busy ?? 0) > 0, `${name}: ${JSON.stringify(kinds)}`);
        greeted += kinds.greeting ?? 0;
      }
      assert.ok(greeted >= 1 && greeted <= sessionLimit, `${greeted} greeted: ${out}`);
      // It never ran itself out of descriptors.
      assert.doesNotMatch(server.log(), /conn\.accept_failed|Too many open files/);
      // Alive: mail is taken and delivered, and POP3 answers CAPA.
      await sendWithSmtplib({
        port: server.ports.smtp!,
        from: "alice@remote.test",
        rcpts: ["bob@example.test"],
        messages: ["Subject: after the flood\r\n\r\nstill here\r\n"],
      });
      await waitUntil(() => maildirFiles(server.spoolDir, "bob@example.test").length === 1);
      const capa = await python(
        `
import poplib, sys
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
print("UIDL" in p.capa())
p.quit()
`,
        [server.ports.pop3!],
      );
      assert.equal(capa.trim(), "True");
    } finally {
      await server.stop();
    }
  },
});
