/**
 * Out of file descriptors, a listener keeps going: connections it cannot
 * accept wait in the kernel's queue, one warning is logged (not one per
 * retry, at most one in ten seconds), and once descriptors are free again it accepts and takes mail.
 */
import assert from "node:assert/strict";
import { maildirFiles, python, startServer, waitUntil } from "./harness.ts";
import { HAS_PRLIMIT, withFileLimit } from "./prlimit.ts";
import { sendWithSmtplib } from "./smtplib_send.ts";

Deno.test({
  name: "a listener out of file descriptors logs once, recovers, and then takes mail",
  ignore: !HAS_PRLIMIT,
  fn: async () => {
    const server = await startServer({
      users: { "bob@example.test": "pw" },
      flags: ["--max-connections=1000"],
      wrap: withFileLimit(150),
    });
    try {
      // More connections than descriptors; each is held open for a while, then closed.
      const out = await python(
        `
import socket, sys, time
socks = [socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5) for _ in range(200)]
time.sleep(1.5)
greeted = 0
for s in socks:
    s.settimeout(0.05)
    try:
        greeted += s.recv(100).startswith(b"220")
    except OSError:
        pass
for s in socks:
    s.close()
print(greeted)
`,
        [server.ports.smtp!],
      );
      const greeted = Number(out.trim());
      assert.ok(greeted > 0 && greeted < 200, `greeted ${greeted} of 200`);
      await server.waitForLog(
        /event=conn\.accept_failed proto=smtp error="Too many open files.*" failures=1$/,
      );
      await server.waitForLog(/event=conn\.accept_recovered proto=smtp$/);
      // Not a line per retry (ten a second): one in the test's few seconds.
      assert.equal(server.log().match(/event=conn\.accept_failed/g)?.length, 1);
      await sendWithSmtplib({
        port: server.ports.smtp!,
        from: "alice@remote.test",
        rcpts: ["bob@example.test"],
        messages: ["Subject: after\r\n\r\nstill here\r\n"],
      });
      await waitUntil(
        () => maildirFiles(server.spoolDir, "bob@example.test").length === 1,
        10_000,
        "delivery after recovery",
      );
    } finally {
      await server.stop();
    }
  },
});
