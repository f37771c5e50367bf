/**
 * TLS to a next hop named by an IP address: node:tls refuses an IP as the
 * SNI name (RFC 6066 3 allows host names only) and checks the certificate
 * against the name it is given.
 */
import assert from "node:assert/strict";
import { RemoteCourier } from "../../src/delivery/mod.ts";
import { Logger } from "../../src/log/mod.ts";
import { tempDir } from "../e2e/harness.ts";
import { HAS_OPENSSL, makeTestCertificates } from "../e2e/certs.ts";
import { type SinkOptions, startSink } from "../e2e/smtp_sink.ts";
import { MESSAGE, queued, quiet } from "./remote_courier_helpers.ts";

/** An IPv6 spelling of 127.0.0.1 that holds letters (an IPv4-mapped address). */
const MAPPED_LOOPBACK = "::ffff:127.0.0.1";
const TIMEOUTS = {
  connectMs: 5000,
  greetingMs: 5000,
  mailMs: 5000,
  rcptMs: 5000,
  dataInitMs: 5000,
  dataBlockMs: 5000,
  finalDotMs: 5000,
};

async function testCerts(): Promise<{ cert: string; key: string }> {
  const files = await makeTestCertificates(tempDir("pillarbox-certs-"));
  return {
    cert: await Deno.readTextFile(files.certFile),
    key: await Deno.readTextFile(files.keyFile),
  };
}

/** Delivers MESSAGE to x@remote.test through `hop(port)` and returns the outcome and the sink. */
async function deliverVia(
  sinkOptions: SinkOptions,
  hop: (port: number) => Partial<ConstructorParameters<typeof RemoteCourier>[0]>,
) {
  const sink = await startSink(sinkOptions);
  const courier = new RemoteCourier({
    ehloName: "out.test",
    routes: [],
    smarthost: null,
    smarthostTls: "starttls",
    isSmarthostTlsVerified: false,
    smarthostCredentials: null,
    dnsServer: null,
    mxPort: 25,
    log: quiet,
    timeouts: TIMEOUTS,
    ...hop(sink.port),
  });
  try {
    const outcomes = await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]);
    return { outcome: outcomes.get("x@remote.test"), transactions: [...sink.transactions] };
  } finally {
    await courier.close();
    await sink.close();
  }
}

Deno.test({
  name: "a route to an IPv6 address with letters in it gets the message over STARTTLS",
  ignore: !HAS_OPENSSL,
  fn: async () => {
    const { outcome, transactions } = await deliverVia({ tls: await testCerts() }, (port) => ({
      routes: [{ domain: "remote.test", hostname: MAPPED_LOOPBACK, port }],
    }));
    assert.equal(outcome?.kind, "delivered", JSON.stringify(outcome));
    assert.equal(transactions.length, 1);
    assert.equal(transactions[0]!.isTls, true);
  },
});

Deno.test({
  name: "a smarthost at an IPv6 address with letters in it is reached over implicit TLS",
  ignore: !HAS_OPENSSL,
  fn: async () => {
    const { outcome, transactions } = await deliverVia(
      { tls: await testCerts(), isImplicitTls: true },
      (port) => ({ smarthost: { hostname: MAPPED_LOOPBACK, port }, smarthostTls: "implicit" }),
    );
    assert.equal(outcome?.kind, "delivered", JSON.stringify(outcome));
    assert.equal(transactions.length, 1);
    assert.equal(transactions[0]!.isTls, true);
  },
});

Deno.test({
  name:
    "a smarthost that requires STARTTLS and answers it 5xx defers the mail, as one that does not offer it",
  ignore: !HAS_OPENSSL,
  fn: async () => {
    const { outcome, transactions } = await deliverVia(
      {
        tls: await testCerts(),
        script: (stage) => stage === "starttls" ? "502 5.5.1 TLS is switched off" : undefined,
      },
      (port) => ({ smarthost: { hostname: "127.0.0.1", port }, smarthostTls: "starttls" }),
    );
    assert.equal(outcome?.kind, "transient", JSON.stringify(outcome));
    assert.ok(outcome?.kind === "transient" && outcome.status === "4.7.5");
    assert.match(outcome.reason, /502 5\.5\.1 TLS is switched off/);
    assert.equal(transactions.length, 0);
  },
});

Deno.test({
  name: "a route whose TLS handshake fails gets the message in plaintext, and the log says so",
  ignore: !HAS_OPENSSL,
  fn: async () => {
    const lines: string[] = [];
    const { outcome, transactions } = await deliverVia(
      {
        tls: await testCerts(),
        // The first connection's handshake is cut off; the plaintext retry does not ask.
        script: (stage, _arg, state) =>
          stage === "starttls" && state.connection === 0
            ? { replyThenDrop: "220 2.0.0 Ready to start TLS" }
            : undefined,
      },
      (port) => ({
        routes: [{ domain: "remote.test", hostname: "127.0.0.1", port }],
        log: new Logger({ sink: (line) => lines.push(line) }),
      }),
    );
    assert.equal(outcome?.kind, "delivered", JSON.stringify(outcome));
    assert.equal(transactions.length, 1);
    assert.equal(transactions[0]!.isTls, false);
    const fallback = lines.find((line) => line.includes("event=smtp.tls_fallback"));
    assert.ok(fallback, lines.join("\n"));
    assert.match(fallback, /remote=127\.0\.0\.1\[127\.0\.0\.1\]:\d+ error=/);
  },
});

Deno.test({
  name: "plaintext a server sends behind its 220 to STARTTLS is discarded, never read as a reply",
  ignore: !HAS_OPENSSL,
  fn: async () => {
    // RFC 3207 5: what came before the handshake cannot be trusted; read as the reply to
    // EHLO inside TLS, this 550 would refuse the message and every reply after it would
    // answer the command before.
    const { outcome, transactions } = await deliverVia(
      { tls: await testCerts(), afterGoAhead: "550 5.7.1 injected\r\n" },
      (port) => ({ routes: [{ domain: "remote.test", hostname: "127.0.0.1", port }] }),
    );
    assert.equal(outcome?.kind, "delivered", JSON.stringify(outcome));
    assert.equal(transactions.length, 1);
    assert.equal(transactions[0]!.isTls, true);
  },
});
