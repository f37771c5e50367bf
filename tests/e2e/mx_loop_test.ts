/**
 * A domain whose MX is this very server (by address: the MX name is not our
 * --hostname, but it points at our SMTP listener) and that is not one of
 * --domains: the mail bounces as a loop (RFC 5321 5.1) after one attempt; it
 * is never relayed to ourselves.
 */
import assert from "node:assert/strict";
import { startFakeDns } from "./fake_dns.ts";
import { startServer, waitUntil } from "./harness.ts";
import { sendCopies } from "./outbound_helpers.ts";
import { freePort } from "./story_helpers.ts";

Deno.test("an MX that points at our own SMTP listener is a loop: bounced with 5.4.6, never sent to ourselves", async () => {
  const dns = await startFakeDns({
    "far.test": { mx: [{ preference: 10, exchange: "mail.far.test" }] },
    "mail.far.test": { a: ["127.0.0.1"] },
  });
  const port = freePort();
  const server = await startServer({
    users: { "alice@example.test": "pw" },
    flags: [
      `--smtp-listen=127.0.0.1:${port}`,
      `--remote-smtp-port=${port}`,
      `--dns-server=127.0.0.1:${dns.port}`,
    ],
  });
  try {
    await sendCopies({
      port: server.ports.smtp!,
      from: "alice@example.test",
      rcpts: ["bob@far.test"],
      body: "From: alice@example.test\r\nTo: bob@far.test\r\nSubject: loop?\r\n\r\nhi\r\n",
    });
    const failed = await server.waitForLog(/event=msg\.failed .*rcpt=bob@far\.test/);
    assert.match(failed, /5\.4\.6/);
    assert.match(failed, /loops back to this host/);
    await waitUntil(() => [...Deno.readDirSync(`${server.spoolDir}/queue/msg`)].length === 0);
    const queued = server.log().split("\n").filter((line) => /event=msg\.queued /.test(line));
    // Only the message itself: nothing came back in through our own relay.
    assert.equal(queued.length, 1, queued.join("\n"));
    await server.waitForLog(/event=msg\.bounced /);
    assert.ok(!/event=smtp\.connected/.test(server.log()), "no connection to ourselves");
  } finally {
    await server.stop();
    await dns.close();
  }
});
