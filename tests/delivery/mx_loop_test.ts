/**
 * This host among a domain's MX hosts (RFC 5321 5.1): it and every MX of its
 * preference or less preferred are discarded; with none left the mail is
 * undeliverable (a loop), never sent to ourselves.
 */
import assert from "node:assert/strict";
import { type FakeZone, startFakeDns } from "../e2e/fake_dns.ts";
import { startSink } from "../e2e/smtp_sink.ts";
import { MESSAGE, mxCourier, queued } from "./remote_courier_helpers.ts";

const SELF = "mx.self.test";

interface LoopCase {
  name: string;
  zones: Record<string, FakeZone>;
  domain: string;
  kind: "delivered" | "transient" | "permanent";
  /** Whether the sink (which stands for the other hosts at 127.0.0.1) gets the message. */
  isSinkUsed: boolean;
  /** This host's name (--hostname) when not SELF. */
  self?: string;
}

/** This host's name in A-labels (flags take LDH names); DNS answers spell it in A-labels too. */
const IDN_SELF = "mx.xn--bcher-kva.test";

const CASES: LoopCase[] = [
  {
    name: "an MX that is this host's name alone is a loop (5.4.6)",
    zones: {
      "far.test": { mx: [{ preference: 10, exchange: SELF }] },
      [SELF]: { a: ["127.0.0.1"] },
    },
    domain: "far.test",
    kind: "permanent",
    isSinkUsed: false,
  },
  {
    name: "the name is compared without case",
    zones: {
      "far.test": { mx: [{ preference: 10, exchange: "MX.Self.TEST" }] },
      [SELF]: { a: ["127.0.0.1"] },
    },
    domain: "far.test",
    kind: "permanent",
    isSinkUsed: false,
  },
  {
    name: "a less preferred backup MX after this host is discarded too",
    zones: {
      "far.test": {
        mx: [{ preference: 10, exchange: SELF }, { preference: 20, exchange: "backup.test" }],
      },
      [SELF]: { a: ["127.0.0.1"] },
      "backup.test": { a: ["127.0.0.1"] },
    },
    domain: "far.test",
    kind: "permanent",
    isSinkUsed: false,
  },
  {
    name: "an MX of the same preference as this host is discarded too",
    zones: {
      "far.test": {
        mx: [{ preference: 10, exchange: "peer.test" }, { preference: 10, exchange: SELF }],
      },
      [SELF]: { a: ["127.0.0.1"] },
      "peer.test": { a: ["127.0.0.1"] },
    },
    domain: "far.test",
    kind: "permanent",
    isSinkUsed: false,
  },
  {
    name: "a more preferred MX is still used when this host is a backup MX",
    zones: {
      "far.test": {
        mx: [{ preference: 20, exchange: SELF }, { preference: 10, exchange: "primary.test" }],
      },
      [SELF]: { a: ["127.0.0.1"] },
      "primary.test": { a: ["127.0.0.1"] },
    },
    domain: "far.test",
    kind: "delivered",
    isSinkUsed: true,
  },
  {
    name: "a domain without MX whose name is this host's is a loop",
    zones: { [SELF]: { a: ["127.0.0.1"] } },
    domain: SELF,
    kind: "permanent",
    isSinkUsed: false,
  },
  {
    name: "an MX naming this host by an IDN (A-labels in DNS) is a loop",
    zones: {
      "far.test": { mx: [{ preference: 10, exchange: IDN_SELF }] },
      [IDN_SELF]: { a: ["127.0.0.1"] },
    },
    domain: "far.test",
    kind: "permanent",
    isSinkUsed: false,
    self: IDN_SELF,
  },
  {
    name: "an MX naming this host by an IDN discards the less preferred backup MX too",
    zones: {
      "far.test": {
        mx: [{ preference: 10, exchange: IDN_SELF }, { preference: 20, exchange: "backup.test" }],
      },
      [IDN_SELF]: { a: ["127.0.0.1"] },
      "backup.test": { a: ["127.0.0.1"] },
    },
    domain: "far.test",
    kind: "permanent",
    isSinkUsed: false,
    self: IDN_SELF,
  },
  {
    name: "a domain without MX written in U-labels whose A-labels are this host's name is a loop",
    zones: { [IDN_SELF]: { a: ["127.0.0.1"] } },
    domain: "mx.bücher.test",
    kind: "permanent",
    isSinkUsed: false,
    self: IDN_SELF,
  },
];

for (const { name, zones, domain, kind, isSinkUsed, self } of CASES) {
  Deno.test(`MX loop: ${name}`, async () => {
    const sink = await startSink({ smtputf8: true });
    const dns = await startFakeDns(zones);
    const courier = mxCourier({ dnsPort: dns.port, mxPort: sink.port }, {
      ehloName: self ?? SELF,
    });
    try {
      const rcpt = `x@${domain}`;
      const outcome = (await courier.deliver(queued(MESSAGE, [rcpt]), [rcpt])).get(rcpt)!;
      assert.equal(outcome.kind, kind, JSON.stringify(outcome));
      if (outcome.kind === "permanent") {
        assert.equal(outcome.status, "5.4.6");
        assert.match(outcome.reason, /loops back to this host/);
      }
      assert.equal(sink.connections() > 0, isSinkUsed, `connections: ${sink.connections()}`);
    } finally {
      await courier.close();
      await dns.close();
      await sink.close();
    }
  });
}

Deno.test("MX loop: an address literal that is our own SMTP listener is a loop", async () => {
  const sink = await startSink();
  const courier = mxCourier({ dnsPort: null, mxPort: sink.port }, {
    ehloName: SELF,
    isOwnListener: (address, port) => address === "127.0.0.1" && port === sink.port,
  });
  try {
    const rcpt = "x@[127.0.0.1]";
    const outcome = (await courier.deliver(queued(MESSAGE, [rcpt]), [rcpt])).get(rcpt)!;
    assert.ok(outcome.kind === "permanent" && outcome.status === "5.4.6", JSON.stringify(outcome));
    assert.equal(sink.connections(), 0);
  } finally {
    await courier.close();
    await sink.close();
  }
});

// This host is the backup MX by address (its name is not the MX's): a better MX whose
// addresses cannot be looked up for now is no loop yet, the mail waits for it.
const BACKUP_CASES = [
  {
    name: "answers SERVFAIL, the mail waits (4.4.3)",
    primary: { rcode: "servfail" },
    kind: "transient",
    status: "4.4.3",
  },
  {
    name: "answers REFUSED, the mail waits (4.4.3)",
    primary: { rcode: "refused" },
    kind: "transient",
    status: "4.4.3",
  },
  {
    name: "does not exist (NXDOMAIN), it is a loop (5.4.6)",
    primary: { rcode: "nxdomain" },
    kind: "permanent",
    status: "5.4.6",
  },
] as const;
for (const { name, primary, kind, status } of BACKUP_CASES) {
  Deno.test(`MX loop: this host a backup MX by address, when the primary's name ${name}`, async () => {
    const sink = await startSink();
    const dns = await startFakeDns({
      "far.test": {
        mx: [{ preference: 10, exchange: "primary.test" }, {
          preference: 20,
          exchange: "mx2.far.test",
        }],
      },
      "primary.test": primary,
      "mx2.far.test": { a: ["127.0.0.1"] },
    });
    const courier = mxCourier({ dnsPort: dns.port, mxPort: sink.port }, {
      ehloName: "other-name.test",
      isOwnListener: (address, port) => address === "127.0.0.1" && port === sink.port,
    });
    try {
      const outcome = (await courier.deliver(queued(MESSAGE, ["x@far.test"]), ["x@far.test"]))
        .get("x@far.test")!;
      assert.ok(outcome.kind === kind && outcome.status === status, JSON.stringify(outcome));
      assert.equal(sink.connections(), 0, "never sent to ourselves");
    } finally {
      await courier.close();
      await dns.close();
      await sink.close();
    }
  });
}
