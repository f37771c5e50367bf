/** Shared pieces of the remote courier tests: a queued message and a courier on a scriptable sink. */
import { RemoteCourier, type RemoteCourierOptions } from "../../src/delivery/mod.ts";
import { Logger } from "../../src/log/mod.ts";
import { encodeEnvelopeLine, type QueuedMessage } from "../../src/spool/mod.ts";
import { type FakeZone, startFakeDns } from "../e2e/fake_dns.ts";
import { type SinkOptions, startSink } from "../e2e/smtp_sink.ts";

const encoder = new TextEncoder();
export const quiet = new Logger({ level: "error", format: "text", sink: () => {} });

export function queued(body: string | Uint8Array, rcpts: string[], extra = {}): QueuedMessage {
  const envelope = {
    qid: "q" + Math.random().toString(36).slice(2, 8),
    from: "alice@example.test",
    rcpts,
    arrivalMs: Date.now(),
    source: "smtp" as const,
    ...extra,
  };
  const line = encodeEnvelopeLine(envelope);
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  const all = new Uint8Array(line.length + bytes.length);
  all.set(line);
  all.set(bytes, line.length);
  return { envelope, bytes: all, messageOffset: line.length };
}

/**
 * A courier whose route for remote.test is 127.0.0.1:`port`, with 2 s for
 * every wait; `overrides` change any option.
 */
export function routedCourier(
  port: number,
  overrides: Partial<RemoteCourierOptions> = {},
): RemoteCourier {
  return new RemoteCourier({
    ehloName: "out.test",
    routes: [{ domain: "remote.test", hostname: "127.0.0.1", port }],
    smarthost: null,
    smarthostTls: "starttls",
    isSmarthostTlsVerified: true,
    smarthostCredentials: null,
    dnsServer: null,
    mxPort: 25,
    log: quiet,
    timeouts: {
      connectMs: 2000,
      greetingMs: 2000,
      mailMs: 2000,
      rcptMs: 2000,
      dataInitMs: 2000,
      dataBlockMs: 2000,
      finalDotMs: 2000,
    },
    ...overrides,
  });
}

/**
 * A courier whose every message goes to the smarthost `hostname:port`
 * without TLS, logging in with `credentials` (allowed in plaintext).
 */
export function plainSmarthostCourier(
  smarthost: { hostname: string; port: number },
  credentials: { user: string; password: string } | null,
  overrides: Partial<RemoteCourierOptions> = {},
): RemoteCourier {
  return new RemoteCourier({
    ehloName: "out.test",
    routes: [],
    smarthost,
    smarthostTls: "none",
    isSmarthostTlsVerified: false,
    smarthostCredentials: credentials,
    isSmarthostInsecureAuthAllowed: credentials !== null,
    dnsServer: null,
    mxPort: 25,
    log: quiet,
    ...overrides,
  });
}

/**
 * A courier that finds next hops by MX through the DNS server on `dnsPort`
 * (a fake one) and connects to them on `mxPort`.
 */
export function mxCourier(
  ports: { dnsPort: number | null; mxPort: number },
  overrides: Partial<RemoteCourierOptions> = {},
): RemoteCourier {
  return new RemoteCourier({
    ehloName: "out.test",
    routes: [],
    smarthost: null,
    smarthostTls: "starttls",
    isSmarthostTlsVerified: true,
    smarthostCredentials: null,
    dnsServer: ports.dnsPort === null ? null : { hostname: "127.0.0.1", port: ports.dnsPort },
    dnsTimeoutMs: 1500,
    mxPort: ports.mxPort,
    log: quiet,
    ...overrides,
  });
}

export async function withSink(
  sinkOptions: SinkOptions,
  run: (courier: RemoteCourier, sink: Awaited<ReturnType<typeof startSink>>) => Promise<void>,
  courierOptions: Partial<RemoteCourierOptions> = {},
): Promise<void> {
  const sink = await startSink(sinkOptions);
  const courier = routedCourier(sink.port, courierOptions);
  try {
    await run(courier, sink);
  } finally {
    await courier.close();
    await sink.close();
  }
}

export const MESSAGE = "Subject: hi\r\n\r\nline\r\n.dot\r\n";

/** What `mxCourier`, asking a fake DNS serving `zones`, makes of one message to x@`domain`. */
export async function mxOutcome(zones: Record<string, FakeZone>, domain: string, port: number) {
  const dns = await startFakeDns(zones);
  const courier = mxCourier({ dnsPort: dns.port, mxPort: port });
  try {
    const rcpt = `x@${domain}`;
    return (await courier.deliver(queued(MESSAGE, [rcpt]), [rcpt])).get(rcpt)!;
  } finally {
    await courier.close();
    await dns.close();
  }
}
