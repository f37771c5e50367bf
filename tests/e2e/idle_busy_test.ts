/**
 * The idle timeout is the client's silence, not ours: a command the server
 * takes longer to answer than the idle timeout (here the login brake's
 * delay) does not make the session "idle" (RFC 5321 4.5.3.2.7: the timeout
 * runs while the server is awaiting the next command).
 */
import assert from "node:assert/strict";
import { startServer } from "./harness.ts";
import { expectReply, openSession } from "./smtp_dialog.ts";

const WRONG_PLAIN = btoa("\0bob@example.test\0wrong");

Deno.test("an SMTP command answered after longer than the idle timeout leaves the session open", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw" },
    flags: ["--insecure-auth", "--smtp-idle-timeout=1s"],
  });
  const client = await openSession(server.ports.smtp!);
  try {
    // Failures 4, 5 and 6 wait 0.5, 1 and 2 s before their 535: the last is longer than the
    // idle timeout, and the client sends each next command the moment it has its answer.
    for (let i = 1; i <= 6; i++) {
      await expectReply(client, `AUTH PLAIN ${WRONG_PLAIN}`, /^535 5\.7\.8 /);
    }
    assert.match(server.log(), /event=auth\.failed .*delay_ms=2000/);
    await expectReply(client, "NOOP", /^250 /);
    await expectReply(client, "QUIT", /^221 /);
  } finally {
    client.close();
    await server.stop();
  }
});
