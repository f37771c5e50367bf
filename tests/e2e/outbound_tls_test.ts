/** Outbound TLS and AUTH through the real server: STARTTLS to a sink, a smarthost with AUTH. */
import assert from "node:assert/strict";
import { startServer, tempDir, waitUntil } from "./harness.ts";
import { sendCopies } from "./outbound_helpers.ts";
import { startSink } from "./smtp_sink.ts";
import { HAS_OPENSSL, makeTestCertificates } from "./certs.ts";

/** A CA-signed leaf for the sink, as PEM text, in a fresh directory. */
async function makeTestCerts(): Promise<{ dir: string; cert: string; key: string }> {
  const dir = tempDir("pillarbox-certs-");
  const files = await makeTestCertificates(dir);
  return {
    dir,
    cert: await Deno.readTextFile(files.certFile),
    key: await Deno.readTextFile(files.keyFile),
  };
}

const MESSAGE = "From: alice@example.test\r\nTo: bob@remote.test\r\nSubject: tls #N#\r\n\r\nhi\r\n";

async function sendOne(server: { ports: Record<string, number>; spoolDir: string }) {
  await sendCopies({
    port: server.ports.smtp!,
    from: "alice@example.test",
    rcpts: ["bob@remote.test"],
    body: MESSAGE,
  });
}

Deno.test({
  name: "STARTTLS is used when the next hop offers it (certificate not checked)",
  ignore: !HAS_OPENSSL,
  fn: async () => {
    const certs = await makeTestCerts();
    const sink = await startSink({ tls: certs });
    const server = await startServer({ flags: [`--route=remote.test=127.0.0.1:${sink.port}`] });
    try {
      await sendOne(server);
      await waitUntil(() => sink.transactions.length === 1, 10_000, "delivery");
      assert.equal(sink.transactions[0]!.isTls, true);
      assert.deepEqual(sink.commands[0]!.slice(0, 3), ["EHLO mx.test", "STARTTLS", "EHLO mx.test"]);
      await server.waitForLog(/event=smtp\.connected .*tls=TLSv1\.[23]/);
    } finally {
      await server.stop();
      await sink.close();
    }
  },
});

Deno.test({
  name: "a next hop that offers STARTTLS but answers it 454 gets the message in plaintext",
  ignore: !HAS_OPENSSL,
  fn: async () => {
    const certs = await makeTestCerts();
    // RFC 3207 4: after a 454 the session goes on without TLS; opportunistic TLS must not
    // turn a peer's passing TLS trouble into mail that waits until it expires.
    const sink = await startSink({
      tls: certs,
      script: (stage) => stage === "starttls" ? "454 4.7.0 TLS not available now" : undefined,
    });
    const server = await startServer({ flags: [`--route=remote.test=127.0.0.1:${sink.port}`] });
    try {
      await sendOne(server);
      await waitUntil(() => sink.transactions.length === 1, 10_000, "delivery");
      assert.equal(sink.transactions[0]!.isTls, false);
      await server.waitForLog(/event=msg\.delivered .*rcpt=bob@remote\.test/);
    } finally {
      await server.stop();
      await sink.close();
    }
  },
});

Deno.test({
  name: "a smarthost gets STARTTLS and AUTH with the configured credentials",
  ignore: !HAS_OPENSSL,
  fn: async () => {
    const certs = await makeTestCerts();
    const sink = await startSink({
      tls: certs,
      auth: { user: "relay@isp.test", password: "s3cret pw" },
    });
    const passwordFile = `${certs.dir}/password`;
    await Deno.writeTextFile(passwordFile, "s3cret pw\n");
    const server = await startServer({
      flags: [
        `--smarthost=localhost:${sink.port}`,
        "--smarthost-tls=starttls",
        "--smarthost-tls-verify=false",
        "--smarthost-user=relay@isp.test",
        `--smarthost-password-file=${passwordFile}`,
      ],
    });
    try {
      await sendOne(server);
      await waitUntil(() => sink.transactions.length === 1, 10_000, "delivery");
      const tx = sink.transactions[0]!;
      assert.equal(tx.isTls, true);
      assert.equal(tx.authUser, "relay@isp.test");
      assert.ok(!server.log().includes("s3cret"), "the password is never logged");
    } finally {
      await server.stop();
      await sink.close();
    }
  },
});

Deno.test({
  name: "a smarthost whose certificate does not verify is not used (transient, nothing sent)",
  ignore: !HAS_OPENSSL,
  fn: async () => {
    const certs = await makeTestCerts();
    const sink = await startSink({ tls: certs });
    const server = await startServer({ flags: [`--smarthost=localhost:${sink.port}`] });
    try {
      await sendOne(server);
      const line = await server.waitForLog(/event=msg\.deferred /);
      assert.match(line, /status=4\.7\.5/);
      // Why, so the operator knows what to fix (the CA, or --smarthost-tls-verify).
      assert.match(line, /reason="STARTTLS: the TLS handshake failed: [^"]*certificate/);
      assert.match(server.log(), /event=smtp\.connect_failed .*error="[^"]*certificate/);
      assert.equal(sink.transactions.length, 0);
      assert.ok(!sink.commands.flat().some((c) => c.startsWith("MAIL")));
    } finally {
      await server.stop();
      await sink.close();
    }
  },
});

Deno.test({
  name:
    "a smarthost with implicit TLS that refuses our login (535) defers the mail: the operator fixes the password, nothing bounces",
  ignore: !HAS_OPENSSL,
  fn: async () => {
    const certs = await makeTestCerts();
    const sink = await startSink({
      tls: certs,
      isImplicitTls: true,
      auth: { user: "relay@isp.test", password: "right" },
    });
    const passwordFile = `${certs.dir}/password`;
    await Deno.writeTextFile(passwordFile, "wrong\n");
    const server = await startServer({
      flags: [
        `--smarthost=127.0.0.1:${sink.port}`,
        "--smarthost-tls=implicit",
        "--smarthost-tls-verify=false",
        "--smarthost-user=relay@isp.test",
        `--smarthost-password-file=${passwordFile}`,
      ],
    });
    try {
      await sendOne(server);
      const line = await server.waitForLog(/event=msg\.(failed|deferred) /);
      assert.match(line, /event=msg\.deferred .*status=4\.7\.8/);
      assert.match(line, /535 5\.7\.8 bad credentials.*--smarthost-password-file/);
      assert.equal(sink.transactions.length, 0);
    } finally {
      await server.stop();
      await sink.close();
    }
  },
});

/** A sink whose certificate names only `subjectAltName`, from a CA the server trusts. */
async function verifiedSmarthost(subjectAltName: string) {
  const dir = tempDir("pillarbox-certs-");
  // Not "localhost": a certificate without a DNS name is matched by its CN.
  const files = await makeTestCertificates(dir, { subjectAltName, commonName: "relay.test" });
  const sink = await startSink({
    tls: {
      cert: await Deno.readTextFile(files.certFile),
      key: await Deno.readTextFile(files.keyFile),
    },
  });
  const server = await startServer({
    flags: [`--smarthost=127.0.0.1:${sink.port}`, "--smarthost-tls=starttls"],
    env: { DENO_CERT: files.caFile },
  });
  return { sink, server };
}

Deno.test({
  name: "a smarthost named by its IP address is verified against that address (RFC 6125 6.2.1)",
  ignore: !HAS_OPENSSL,
  fn: async () => {
    const { sink, server } = await verifiedSmarthost("IP:127.0.0.1");
    try {
      await sendOne(server);
      const line = await server.waitForLog(/event=msg\.(deferred|delivered) /);
      assert.match(line, /event=msg\.delivered /);
      assert.equal(sink.transactions.length, 1);
      assert.equal(sink.transactions[0]!.isTls, true);
    } finally {
      await server.stop();
      await sink.close();
    }
  },
});

Deno.test({
  name: 'a smarthost named by its IP address with a certificate only for "localhost" is not used',
  ignore: !HAS_OPENSSL,
  fn: async () => {
    const { sink, server } = await verifiedSmarthost("DNS:localhost");
    try {
      await sendOne(server);
      const line = await server.waitForLog(/event=msg\.(deferred|delivered) /);
      assert.match(line, /event=msg\.deferred .*status=4\.7\.5/);
      assert.match(line, /reason="STARTTLS: the TLS handshake failed: [^"]*does not match/);
      assert.equal(sink.transactions.length, 0);
      assert.ok(!sink.commands.flat().some((c) => c.startsWith("MAIL")));
    } finally {
      await server.stop();
      await sink.close();
    }
  },
});
