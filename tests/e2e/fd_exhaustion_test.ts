/**
 * Out of file descriptors (used up by something other than connections,
 * which the process-wide connection limit keeps in bounds), a listener keeps
 * going: connections it cannot accept wait in the kernel's queue, one warning
 * is logged (not one per retry, at most one in ten seconds), and once
 * descriptors are free again it accepts them and takes mail.
 */
import assert from "node:assert/strict";
import { maildirFiles, python, startServer, waitUntil } from "./harness.ts";
import { CHOKE_PY, HAS_PRLIMIT } from "./prlimit.ts";
import { sendWithSmtplib } from "./smtplib_send.ts";

Deno.test({
  name: "a listener out of file descriptors logs once, recovers, and then takes mail",
  ignore: !HAS_PRLIMIT,
  fn: async () => {
    const server = await startServer({ users: { "bob@example.test": "pw" } });
    const waiting: Deno.TcpConn[] = [];
    try {
      // No descriptor free: connections wait in the queue, the accepts fail.
      const before = (await python(CHOKE_PY + "import sys\nprint(choke(int(sys.argv[1])))", [
        server.pid,
      ])).trim();
      for (let i = 0; i < 3; i++) {
        waiting.push(await Deno.connect({ hostname: "127.0.0.1", port: server.ports.smtp! }));
      }
      await server.waitForLog(
        /event=conn\.accept_failed proto=smtp error="Too many open files.*" failures=1$/,
      );
      await python(CHOKE_PY + "import sys\nunchoke(int(sys.argv[1]), sys.argv[2])", [
        server.pid,
        before,
      ]);
      await server.waitForLog(/event=conn\.accept_recovered proto=smtp$/);
      // Not a line per retry (ten a second): one in the test's few seconds.
      assert.equal(server.log().match(/event=conn\.accept_failed/g)?.length, 1);
      // The ones that waited are served.
      for (const conn of waiting) {
        const greeting = new Uint8Array(100);
        const read = await conn.read(greeting);
        assert.match(new TextDecoder().decode(greeting.subarray(0, read ?? 0)), /^220 /);
      }
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
      for (const conn of waiting) conn.close();
      await server.stop();
    }
  },
});
