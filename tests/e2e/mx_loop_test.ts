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
import { sendWithSmtplib } from "./smtplib_send.ts";
import { freePort, hasIpv6Loopback } from "./story_helpers.ts";

// 0.0.0.0 names "this host" (RFC 1122 3.2.1.3): a connection to it reaches the loopback
// listener.
const OWN_ADDRESSES = [
  { address: "127.0.0.1", listen: "127.0.0.1", how: "its address" },
  { address: "0.0.0.0", listen: "127.0.0.1", how: "the unspecified IPv4 address" },
];
for (const { address, listen, how } of OWN_ADDRESSES) {
  Deno.test(`an MX that points at our own SMTP listener (by ${how}) is a loop: bounced with 5.4.6, never sent to ourselves`, async () => {
    const isV6 = address.includes(":");
    const dns = await startFakeDns({
      "far.test": { mx: [{ preference: 10, exchange: "mail.far.test" }] },
      "mail.far.test": isV6 ? { aaaa: [address] } : { a: [address] },
    });
    const port = freePort();
    const server = await startServer({
      users: { "alice@example.test": "pw" },
      flags: [
        `--smtp-listen=${listen}:${port}`,
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
}

// An address literal names its host without DNS; spelled any way RFC 5321 4.1.3 allows, it is
// still this host's listener (RFC 5321 5.1: "any of the names or addresses by which it might be
// known"), not a hop to relay to ourselves until the Received count stops it.
const OWN_LITERALS = [
  { listen: "[::1]", rcpt: "bob@[IPv6:0:0:0:0:0:0:0:1]", how: "::1 with every zero written" },
  { listen: "127.0.0.1", rcpt: "bob@[IPv6:::ffff:7f00:1]", how: "127.0.0.1 IPv4-mapped in hex" },
];
for (const { listen, rcpt, how } of OWN_LITERALS) {
  Deno.test({
    name: `an address literal naming our own SMTP listener (${how}) is a loop: 5.4.6 at once`,
    ignore: listen.includes(":") && !hasIpv6Loopback(),
  }, async () => {
    const port = freePort(listen.replace(/^\[|\]$/g, ""));
    const server = await startServer({
      users: { "alice@example.test": "pw" },
      flags: [`--smtp-listen=${listen}:${port}`, `--remote-smtp-port=${port}`],
    });
    try {
      await sendWithSmtplib({
        host: listen.replace(/^\[|\]$/g, ""),
        port,
        from: "alice@example.test",
        rcpts: [rcpt],
        messages: ["From: alice@example.test\r\nSubject: loop?\r\n\r\nhi\r\n"],
      });
      const failed = await server.waitForLog(/event=msg\.failed .*rcpt=bob@/);
      assert.match(failed, /status=5\.4\.6 .*loops back to this host/);
      await server.waitForLog(/event=msg\.bounced /);
      const queued = server.log().split("\n").filter((line) => /event=msg\.queued /.test(line));
      assert.equal(queued.length, 1, queued.join("\n"));
      assert.ok(!/event=smtp\.connected/.test(server.log()), "no connection to ourselves");
    } finally {
      await server.stop();
    }
  });
}
