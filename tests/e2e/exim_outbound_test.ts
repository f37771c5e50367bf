/**
 * Our outbound client delivering to a real Exim 4 (see exim.ts) through
 * `--route=exim.test=...`: Exim's synchronization checks, its limits, its
 * ACL replies at each stage, a peer without 8BITMIME or SMTPUTF8, DSN
 * passed on, and what lands in its Maildir.
 */
import assert from "node:assert/strict";
import { makeTestCertificates } from "./certs.ts";
import { type Exim, type EximOptions, freePort, HAS_EXIM, startExim } from "./exim.ts";
import { maildirFiles, type Server, startServer, tempDir, waitUntil } from "./harness.ts";
import { sendWithSmtplib } from "./smtplib_send.ts";

const decoder = new TextDecoder();

/**
 * Our server routing exim.test to an Exim started with `options` (STARTTLS offered, with a
 * certificate from a test CA our server trusts; `eximCa` gives Exim one from a CA of its own).
 */
async function withExim(
  options: { exim?: EximOptions; flags?: (eximPort: number) => string[]; eximCa?: "own" },
  fn: (server: Server, exim: Exim) => Promise<void>,
): Promise<void> {
  const certs = await makeTestCertificates(tempDir());
  const eximCerts = options.eximCa === "own" ? await makeTestCertificates(tempDir()) : certs;
  const eximPort = freePort();
  const server = await startServer({
    users: { "bob@example.test": "pw" },
    flags: [
      `--route=exim.test=127.0.0.1:${eximPort}`,
      "--retry-min=1s",
      ...options.flags?.(eximPort) ?? [],
    ],
    env: { DENO_CERT: certs.caFile },
  });
  const exim = await startExim({
    port: eximPort,
    relayPort: server.ports.smtp,
    cert: eximCerts,
    ...options.exim,
  });
  try {
    await fn(server, exim);
  } finally {
    await exim.stop();
    await server.stop();
  }
}

function texts(files: string[]): string[] {
  return files.map((file) => decoder.decode(Deno.readFileSync(file)));
}

Deno.test({
  name:
    "to an Exim without PIPELINING that takes two messages a connection: five messages, each once, in sync",
  ignore: !HAS_EXIM,
  fn: () =>
    withExim({
      exim: {
        main: ["pipelining_advertise_hosts = :", "smtp_accept_max_per_connection = 2"],
      },
    }, async (server, exim) => {
      await sendWithSmtplib({
        port: server.ports.smtp!,
        from: "bob@example.test",
        rcpts: ["x1@exim.test", "x2@exim.test"],
        messages: [1, 2, 3, 4, 5].map((i) => `Subject: m${i}\r\n\r\nbody ${i}\r\n`),
      });
      await waitUntil(() => exim.delivered().length === 10, 15_000, "ten copies at Exim");
      const bodies = texts(exim.delivered()).map((text) => text.slice(text.indexOf("\n\n") + 2));
      assert.deepEqual(bodies.sort(), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5].map((i) => `body ${i}\n`));
      // Exim logs a client that sends ahead as "SMTP synchronization error".
      assert.doesNotMatch(exim.mainLog(), /synchronization error/);
      // A connection's third MAIL, if one gets that far, is answered 421: we go on over a new
      // one, and nothing waits for a retry.
      assert.doesNotMatch(server.log(), /event=msg\.(deferred|failed)/);
    }),
});

Deno.test({
  name:
    "Exim's ACL replies at each stage: 5xx bounce, 4xx wait, the accepted recipients get one copy",
  ignore: !HAS_EXIM,
  fn: () =>
    withExim({
      exim: {
        main: ["acl_smtp_predata = predata_acl", "acl_smtp_data = data_acl"],
        rcptAcl: [
          "deny local_parts = ^refused\n    message = 550 5.1.1 refused here",
          "defer local_parts = ^later\n    message = 451 4.2.0 later please",
        ],
        acls: {
          predata_acl: [
            "defer senders = wait@example.test\n    message = 452 4.3.1 not now",
            "accept",
          ],
          data_acl: [
            "deny condition = ${if match{$h_subject:}{reject}}\n    message = 554 5.7.1 content refused",
            "defer condition = ${if match{$h_subject:}{defer}}\n    message = 451 4.7.1 come back",
            "accept",
          ],
        },
      },
    }, async (server, exim) => {
      const send = (from: string, rcpts: string[], subject: string) =>
        sendWithSmtplib({
          port: server.ports.smtp!,
          from,
          rcpts,
          messages: [`Subject: ${subject}\r\n\r\nhi\r\n`],
        });
      await send(
        "bob@example.test",
        ["ok1@exim.test", "refused1@exim.test", "later1@exim.test"],
        "mixed",
      );
      await send("bob@example.test", ["ok2@exim.test"], "reject me");
      await send("bob@example.test", ["ok3@exim.test"], "defer me");
      await send("wait@example.test", ["ok4@exim.test"], "predata");
      const outcome = (event: string, rcpt: string) =>
        server.waitForLog(new RegExp(`event=msg\\.${event} .*rcpt=${rcpt.replace(".", "\\.")} `));
      assert.match(await outcome("delivered", "ok1@exim.test"), /relay=127\.0\.0\.1/);
      assert.match(await outcome("failed", "refused1@exim.test"), /status=5\.1\.1 .*550 5\.1\.1/);
      assert.match(await outcome("deferred", "later1@exim.test"), /status=4\.2\.0 .*451 4\.2\.0/);
      assert.match(await outcome("failed", "ok2@exim.test"), /status=5\.7\.1 .*554 5\.7\.1/);
      assert.match(await outcome("deferred", "ok3@exim.test"), /status=4\.7\.1 .*451 4\.7\.1/);
      assert.match(await outcome("deferred", "ok4@exim.test"), /status=4\.3\.1 .*452 4\.3\.1/);
      // The retries meet the same 4xx; nothing but ok1 reached Exim's Maildir.
      await server.waitForLog(/event=msg\.deferred .*rcpt=ok3@exim\.test .*attempts=2/);
      assert.equal(exim.delivered().length, 1);
      assert.match(texts(exim.delivered())[0]!, /^Envelope-to: ok1@exim\.test$/m);
      // Two bounces to bob (550 at RCPT, 554 after DATA).
      await waitUntil(() => maildirFiles(server.spoolDir, "bob@example.test").length === 2);
    }),
});

Deno.test({
  name:
    "to an Exim without 8BITMIME and SMTPUTF8: the 8-bit body and UTF-8 headers arrive converted, a UTF-8 address bounces",
  ignore: !HAS_EXIM,
  fn: () =>
    withExim({
      exim: { main: ["accept_8bitmime = false", "smtputf8_advertise_hosts = :"] },
    }, async (server, exim) => {
      await sendWithSmtplib({
        port: server.ports.smtp!,
        from: "bob@example.test",
        rcpts: ["u8@exim.test"],
        mailOptions: ["SMTPUTF8", "BODY=8BITMIME"],
        messages: [
          "From: Jörg <bob@example.test>\r\nSubject: grüße\r\nMIME-Version: 1.0\r\n" +
          "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
          "grüße\r\n.leading dot\r\n",
        ],
      });
      await sendWithSmtplib({
        port: server.ports.smtp!,
        from: "bob@example.test",
        rcpts: ["jörg@exim.test"],
        mailOptions: ["SMTPUTF8"],
        messages: ["Subject: to a UTF-8 address\r\n\r\nhi\r\n"],
      });
      await waitUntil(() => exim.delivered().length === 1, 10_000, "the converted copy");
      const text = texts(exim.delivered())[0]!;
      assert.match(text, /^From: =\?UTF-8\?B\?SsO2cmc=\?= <bob@example\.test>$/m);
      assert.match(text, /^Subject: =\?UTF-8\?B\?Z3LDvMOfZQ==\?=$/m);
      assert.match(text, /^Content-Transfer-Encoding: quoted-printable$/m);
      assert.ok(text.endsWith("\n\ngr=C3=BC=C3=9Fe\n=2Eleading dot\n"), text);
      assert.match(
        await server.waitForLog(/event=msg\.failed .*rcpt=jörg@exim\.test /),
        /status=5\.6\.7 /,
      );
    }),
});

Deno.test({
  name: "our DSN requests pass on to Exim, whose success notice comes back to the sender with them",
  ignore: !HAS_EXIM,
  fn: () =>
    withExim({}, async (server, exim) => {
      await sendWithSmtplib({
        port: server.ports.smtp!,
        from: "bob@example.test",
        rcpts: ["ok@exim.test"],
        mailOptions: ["RET=HDRS", "ENVID=env+2B1"],
        rcptOptions: ["NOTIFY=SUCCESS", "ORCPT=rfc822;first+2Bok@exim.test"],
        messages: ["Subject: tell me\r\n\r\nhi\r\n"],
      });
      await waitUntil(() => exim.delivered().length === 1, 10_000, "the copy at Exim");
      await waitUntil(
        () => maildirFiles(server.spoolDir, "bob@example.test").length === 1,
        10_000,
        "Exim's notice",
      );
      const notice = texts(maildirFiles(server.spoolDir, "bob@example.test"))[0]!;
      assert.match(notice, /^Return-Path: <>\r$/m);
      assert.match(notice, /^Original-Envelope-ID: env\+2B1\r$/m);
      assert.match(notice, /^Original-Recipient: rfc822;first\+2Bok@exim\.test\r$/m);
      assert.match(notice, /^Action: delivered\r$/m);
    }),
});

Deno.test({
  name: "a message over Exim's SIZE fails with 5.3.4 before MAIL is sent",
  ignore: !HAS_EXIM,
  fn: () =>
    withExim({ exim: { main: ["message_size_limit = 20K"] } }, async (server, exim) => {
      const line = "y".repeat(78) + "\r\n";
      await sendWithSmtplib({
        port: server.ports.smtp!,
        from: "bob@example.test",
        rcpts: ["big@exim.test"],
        messages: [`Subject: big\r\n\r\n${line.repeat(300)}`],
      });
      assert.match(
        await server.waitForLog(/event=msg\.failed .*rcpt=big@exim\.test /),
        /status=5\.3\.4 .*SIZE limit of 20480/,
      );
      assert.doesNotMatch(exim.mainLog(), /big@exim\.test|message too big/);
    }),
});

/** Exim as our smarthost: mail for elsewhere.test lands in its Maildir, after a login. */
function smarthostExim(mechanism: "PLAIN" | "LOGIN"): EximOptions {
  const check = mechanism === "PLAIN"
    ? ["  server_condition = ${if and{{eq{$auth2}{relay}}{eq{$auth3}{secret}}}}"]
    : [
      "  server_prompts = Username:: : Password::",
      "  server_condition = ${if and{{eq{$auth1}{relay}}{eq{$auth2}{secret}}}}",
    ];
  return {
    main: ["domainlist local_domains = exim.test : elsewhere.test"],
    rcptAcl: ["deny !authenticated = *\n    message = 530 5.7.0 authentication required"],
    authenticators: ["login:", "  driver = plaintext", `  public_name = ${mechanism}`, ...check],
  };
}

/**
 * Our server sending mail for far@elsewhere.test through an Exim smarthost (`exim`) with the
 * login relay/secret; `eximCa` as for `withExim`.
 */
async function sendViaSmarthost(
  options: { exim: EximOptions; eximCa?: "own" },
  fn: (server: Server, exim: Exim) => Promise<void>,
): Promise<void> {
  const passwordFile = `${tempDir()}/password`;
  await Deno.writeTextFile(passwordFile, "secret\n");
  await withExim({
    ...options,
    flags: (port) => [
      `--smarthost=localhost:${port}`,
      "--smarthost-user=relay",
      `--smarthost-password-file=${passwordFile}`,
    ],
  }, async (server, exim) => {
    await sendWithSmtplib({
      port: server.ports.smtp!,
      from: "bob@example.test",
      rcpts: ["far@elsewhere.test"],
      messages: ["Subject: via the smarthost\r\n\r\nhi\r\n"],
    });
    await fn(server, exim);
  });
}

for (const mechanism of ["PLAIN", "LOGIN"] as const) {
  Deno.test({
    name:
      `Exim as smarthost: STARTTLS with its certificate verified against the test CA, then AUTH ${mechanism}`,
    ignore: !HAS_EXIM,
    fn: () =>
      sendViaSmarthost({ exim: smarthostExim(mechanism) }, async (server, exim) => {
        await waitUntil(() => exim.delivered().length === 1, 10_000, "the copy at Exim");
        assert.match(
          exim.mainLog(),
          /<= bob@example\.test .* P=esmtpsa X=TLS1\.3:\S+ CV=no A=login /,
        );
        assert.match(
          await server.waitForLog(/event=smtp\.connected .*hop=smarthost:/),
          /tls=TLSv1\.3/,
        );
      }),
  });
}

Deno.test({
  name:
    "Exim as smarthost with a certificate from another CA: the mail waits (4.7.5), nothing is sent",
  ignore: !HAS_EXIM,
  fn: () =>
    sendViaSmarthost({ exim: smarthostExim("PLAIN"), eximCa: "own" }, async (server, exim) => {
      assert.match(
        await server.waitForLog(/event=msg\.deferred .*rcpt=far@elsewhere\.test /),
        /status=4\.7\.5 .*certificate/i,
      );
      assert.equal(exim.delivered().length, 0);
      assert.doesNotMatch(exim.mainLog(), /<= bob@example\.test/);
    }),
});
