/**
 * A real OpenSMTPD (see opensmtpd.ts) on both sides: relaying to our MX over
 * STARTTLS with our test CA (it verifies), and taking our outbound mail
 * through `--route=smtpd.test=...` (it offers no PIPELINING and no
 * CHUNKING, and refuses a client that sends ahead).
 */
import assert from "node:assert/strict";
import { makeTestCertificates } from "./certs.ts";
import { freePort } from "./exim.ts";
import { maildirFiles, type Server, startServer, tempDir, waitUntil } from "./harness.ts";
import { HAS_OPENSMTPD, type Opensmtpd, startOpensmtpd } from "./opensmtpd.ts";
import { sendWithSmtplib } from "./smtplib_send.ts";

const decoder = new TextDecoder();
const text = (file: string) => decoder.decode(Deno.readFileSync(file));

/** Dots, blanks and 8-bit text, in CRLF lines. */
const BODY = ".\r\n..x\r\ntrailing   \r\n\r\nété\r\n";

/**
 * Our server routing smtpd.test to an OpenSMTPD (its smtpd.conf lines before the listener in
 * `config`), which relays what it does not keep back to our MX; both stopped after `fn`.
 */
async function withOpensmtpdPeer(
  config: string[],
  fn: (server: Server, opensmtpd: Opensmtpd) => Promise<void>,
): Promise<void> {
  const port = freePort();
  const server = await startServer({
    users: { "bob@example.test": "pw" },
    flags: [`--route=smtpd.test=127.0.0.1:${port}`],
  });
  const opensmtpd = await startOpensmtpd({ port, relayPort: server.ports.smtp!, config });
  try {
    await fn(server, opensmtpd);
  } finally {
    await opensmtpd.stop();
    await server.stop();
  }
}

Deno.test({
  name:
    "OpenSMTPD relays to us over verified STARTTLS: the refused recipient bounces there, the others get every byte, our success notice gets back",
  ignore: !HAS_OPENSMTPD,
  fn: async () => {
    const certs = await makeTestCertificates(tempDir());
    const port = freePort();
    const server = await startServer({
      users: { "bob@example.test": "pw", "carol@example.test": "pw" },
      flags: [
        `--tls-cert=${certs.certFile}`,
        `--tls-key=${certs.keyFile}`,
        `--route=smtpd.test=127.0.0.1:${port}`,
      ],
    });
    const opensmtpd = await startOpensmtpd({
      port,
      relayPort: server.ports.smtp!,
      caFile: certs.caFile,
    });
    try {
      const refused = await sendWithSmtplib({
        port: opensmtpd.port,
        from: "alice@smtpd.test",
        rcpts: ["bob@example.test", "nobody@example.test", "carol@example.test"],
        mailOptions: ["BODY=8BITMIME", "RET=HDRS", "ENVID=env+2B1"],
        rcptOptions: ["NOTIFY=SUCCESS,FAILURE"],
        messages: [`From: alice@smtpd.test\r\nSubject: via OpenSMTPD\r\n\r\n${BODY}`],
      });
      assert.deepEqual(refused, [[]], "OpenSMTPD takes them all, and relays");
      for (const account of ["bob@example.test", "carol@example.test"]) {
        await waitUntil(() => maildirFiles(server.spoolDir, account).length === 1);
        const stored = text(maildirFiles(server.spoolDir, account)[0]!);
        assert.ok(stored.endsWith(`\r\n\r\n${BODY}`), stored);
        assert.match(stored, /^\tby mx\.test \(Pillarbox\) with ESMTPS id /m);
      }
      assert.match(opensmtpd.log(), /mta server-cert-check result="success"/);
      // Its bounce for the one we refused, and our notice for the two we delivered.
      await waitUntil(() => opensmtpd.delivered().length === 2, 10_000, "two notices at OpenSMTPD");
      const notices = opensmtpd.delivered().map(text).join("\n");
      assert.match(notices, /^nobody@example\.test: 550 5\.1\.1 No such user here$/m);
      assert.match(notices, /^Original-Envelope-Id: env\+1$/m);
      assert.match(notices, /^Final-Recipient: rfc822; carol@example\.test$/m);
    } finally {
      await opensmtpd.stop();
      await server.stop();
    }
  },
});

Deno.test({
  name:
    "our client to OpenSMTPD, which offers no PIPELINING: three messages, each once, DSN passed on",
  ignore: !HAS_OPENSMTPD,
  fn: () =>
    withOpensmtpdPeer([], async (server, opensmtpd) => {
      await sendWithSmtplib({
        port: server.ports.smtp!,
        from: "bob@example.test",
        rcpts: ["x@smtpd.test", "y@smtpd.test"],
        mailOptions: ["BODY=8BITMIME", "ENVID=pb+2B1"],
        rcptOptions: ["NOTIFY=SUCCESS", "ORCPT=rfc822;list+2Bx@smtpd.test"],
        messages: [1, 2, 3].map((i) => `Subject: m${i}\r\n\r\n${BODY}${i}\r\n`),
      });
      await waitUntil(() => opensmtpd.delivered().length === 6, 10_000, "six copies at OpenSMTPD");
      const bodies = opensmtpd.delivered().map(text).map((t) => t.slice(t.indexOf("\n\n") + 2));
      const expected = BODY.replaceAll("\r\n", "\n");
      assert.deepEqual(bodies.sort(), [1, 1, 2, 2, 3, 3].map((i) => `${expected}${i}\n`));
      // OpenSMTPD drops a client that sends ahead of its replies with "Pipelining not supported".
      assert.doesNotMatch(opensmtpd.log(), /[Pp]ipelining/);
      assert.equal([...opensmtpd.log().matchAll(/ mda delivery .* result=Ok /g)].length, 6);
      assert.doesNotMatch(server.log(), /event=msg\.(deferred|failed)/);
      // NOTIFY=SUCCESS reached it: its notice for each message comes back to bob.
      await waitUntil(() => maildirFiles(server.spoolDir, "bob@example.test").length === 3);
      for (const notice of maildirFiles(server.spoolDir, "bob@example.test").map(text)) {
        assert.match(notice, /^Subject: Delivery status notification: delivered\r$/m);
        assert.match(notice, /^Final-Recipient: rfc822; y@smtpd\.test\r$/m);
      }
    }),
});

Deno.test({
  name:
    "OpenSMTPD's 452 to MAIL past its messages a session: the next message goes at once on a new connection",
  ignore: !HAS_OPENSMTPD,
  // max-mails 1: the second MAIL of a session gets "452 4.5.3 Too many recipients: Too many
  // messages sent", the session kept open (100 a session by default).
  fn: () =>
    withOpensmtpdPeer(["smtp limit max-mails 1"], async (server, opensmtpd) => {
      const count = (pattern: RegExp) => [...server.log().matchAll(pattern)].length;
      const handedOver = /event=msg\.delivered .*rcpt=x@smtpd\.test/g;
      const reconnects = /event=smtp\.reconnect .*452 4\.5\.3/g;
      for (const i of [1, 2, 3]) {
        // One at a time, each as soon as OpenSMTPD took the last one, whose connection then
        // idles in our pool (5 s); waiting for OpenSMTPD's own delivery could outlast that on a
        // busy machine, and the next message would find no connection to reuse.
        await sendWithSmtplib({
          port: server.ports.smtp!,
          from: "bob@example.test",
          rcpts: ["x@smtpd.test"],
          messages: [`Subject: m${i}\r\n\r\nbody ${i}\r\n`],
        });
        await waitUntil(() => count(handedOver) === i, 10_000, `message ${i} handed over`);
      }
      // The log pipe may lag the deliveries it tells of.
      await waitUntil(() => count(reconnects) === 2, 10_000, "two reconnects after a 452");
      await waitUntil(() => opensmtpd.delivered().length === 3, 10_000, "three delivered");
      assert.equal(count(reconnects), 2);
      assert.doesNotMatch(server.log(), /event=msg\.deferred/);
    }),
});

Deno.test({
  name:
    "OpenSMTPD relays through our submission port: STARTTLS verified, AUTH, the message delivered",
  ignore: !HAS_OPENSMTPD,
  fn: async () => {
    const certs = await makeTestCertificates(tempDir());
    const server = await startServer({
      users: { "bob@example.test": "pw", "carol@example.test": "pw" },
      flags: [`--tls-cert=${certs.certFile}`, `--tls-key=${certs.keyFile}`],
    });
    const opensmtpd = await startOpensmtpd({
      relayPort: server.ports.submission!,
      caFile: certs.caFile,
      relayAuth: { user: "bob@example.test", password: "pw" },
    });
    try {
      await sendWithSmtplib({
        port: opensmtpd.port,
        from: "bob@example.test",
        rcpts: ["carol@example.test"],
        messages: [`Subject: submitted\r\n\r\n${BODY}`],
      });
      await waitUntil(() => maildirFiles(server.spoolDir, "carol@example.test").length === 1);
      const stored = text(maildirFiles(server.spoolDir, "carol@example.test")[0]!);
      assert.match(stored, /^\tby mx\.test \(Pillarbox\) with ESMTPSA id /m);
      assert.match(stored, /\(authenticated as bob@example\.test\)/);
      assert.ok(stored.endsWith(`\r\n\r\n${BODY}`), stored);
      assert.match(server.log(), /event=auth\.ok .*user=bob@example\.test /);
    } finally {
      await opensmtpd.stop();
      await server.stop();
    }
  },
});
