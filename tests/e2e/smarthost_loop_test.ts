/**
 * A --smarthost that is this very server (our SMTP or submission listener) is
 * our own configuration's mistake: mail waits (transient 4.4.6) with an error
 * line saying so, instead of going round through ourselves until the Received
 * count stops it and bouncing it (or bouncing it on the 530 our own
 * submission port gives a client that did not log in).
 */
import assert from "node:assert/strict";
import { startServer } from "./harness.ts";
import { sendCopies } from "./outbound_helpers.ts";
import { freePort } from "./story_helpers.ts";

const MESSAGE = "From: alice@example.test\r\nTo: bob@far.test\r\nSubject: loop?\r\n\r\nhi\r\n";

for (const listener of ["smtp", "submission"]) {
  Deno.test(`a smarthost that is our own ${listener} listener defers the mail as a loop (4.4.6), nothing relayed or bounced`, async () => {
    const port = freePort();
    const server = await startServer({
      users: { "alice@example.test": "pw" },
      flags: [
        `--${listener}-listen=127.0.0.1:${port}`,
        `--smarthost=127.0.0.1:${port}`,
        "--smarthost-tls=none",
      ],
    });
    try {
      await sendCopies({
        port: server.ports.smtp!,
        from: "alice@example.test",
        rcpts: ["bob@far.test"],
        body: MESSAGE,
      });
      const deferred = await server.waitForLog(/event=msg\.(deferred|failed) .*rcpt=bob@far\.test/);
      assert.match(deferred, /event=msg\.deferred .*status=4\.4\.6/);
      assert.match(server.log(), /level=error event=smtp\.hop_loop .*--smarthost/);
      const queued = server.log().split("\n").filter((line) => /event=msg\.queued /.test(line));
      assert.equal(queued.length, 1, queued.join("\n"));
      assert.doesNotMatch(server.log(), /event=msg\.bounced|event=smtp\.connected /);
    } finally {
      await server.stop();
    }
  });
}
