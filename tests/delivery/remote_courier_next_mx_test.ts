/**
 * A failure after the handshake (RFC 5321 5.1: the client tries each address
 * "until a delivery attempt succeeds"): the recipients the first MX deferred
 * go to the next MX in the same attempt, as Postfix does; a permanent refusal
 * is final, and a recipient the first MX may have taken is never sent again.
 */
import assert from "node:assert/strict";
import type { DeliveryOutcome } from "../../src/delivery/mod.ts";
import { startFakeDns } from "../e2e/fake_dns.ts";
import { type SinkOptions, startSink } from "../e2e/smtp_sink.ts";
import { MESSAGE, mxCourier, queued } from "./remote_courier_helpers.ts";

const ZONES = {
  "mx.test": {
    mx: [{ preference: 10, exchange: "a.mx.test" }, { preference: 20, exchange: "b.mx.test" }],
  },
  "a.mx.test": { a: ["127.0.0.2"] },
  "b.mx.test": { a: ["127.0.0.1"] },
};

/** Delivers to `rcpts` with a.mx.test (127.0.0.2) scripted by `primary`, b.mx.test a plain sink. */
async function deliverVia(primary: SinkOptions["script"], rcpts: string[]) {
  const backup = await startSink({});
  const first = await startSink({ listenAddress: "127.0.0.2", script: primary }, backup.port);
  const dns = await startFakeDns(ZONES);
  const courier = mxCourier({ dnsPort: dns.port, mxPort: backup.port }, {
    timeouts: { mailMs: 2000, rcptMs: 2000, dataInitMs: 2000, finalDotMs: 2000 },
  });
  try {
    const outcomes = await courier.deliver(queued(MESSAGE, rcpts), rcpts);
    return { outcomes, first, backup };
  } finally {
    await courier.close();
    await dns.close();
    await first.close();
    await backup.close();
  }
}

function kinds(outcomes: Map<string, DeliveryOutcome>): Record<string, string> {
  return Object.fromEntries(
    [...outcomes].map((
      [rcpt, o],
    ) => [rcpt, o.kind === "delivered" ? `delivered by ${o.remoteMta}` : o.kind]),
  );
}

const BY_B = "delivered by b.mx.test [127.0.0.1]";
const BY_A = "delivered by a.mx.test [127.0.0.2]";

const CASES: {
  name: string;
  script: SinkOptions["script"];
  expect: Record<string, string>;
  /** Recipients that b.mx.test got, in its one transaction (none: it was not asked). */
  backupRcpts: string[];
}[] = [
  {
    name: "a 421 to MAIL on a fresh connection sends the message to the next MX",
    script: (stage) => stage === "mail" ? "421 4.3.2 shutting down" : undefined,
    expect: { "x@mx.test": BY_B, "y@mx.test": BY_B },
    backupRcpts: ["x@mx.test", "y@mx.test"],
  },
  {
    name: "a 451 to MAIL sends the message to the next MX",
    script: (stage) => stage === "mail" ? "451 4.3.0 local error" : undefined,
    expect: { "x@mx.test": BY_B, "y@mx.test": BY_B },
    backupRcpts: ["x@mx.test", "y@mx.test"],
  },
  {
    name: "a 450 to every RCPT sends the message to the next MX",
    script: (stage) => stage === "rcpt" ? "450 4.2.0 greylisted" : undefined,
    expect: { "x@mx.test": BY_B, "y@mx.test": BY_B },
    backupRcpts: ["x@mx.test", "y@mx.test"],
  },
  {
    name: "a 450 to one RCPT sends only that recipient to the next MX",
    script: (stage, arg) => stage === "rcpt" && arg === "y@mx.test" ? "450 4.2.1 busy" : undefined,
    expect: { "x@mx.test": BY_A, "y@mx.test": BY_B },
    backupRcpts: ["y@mx.test"],
  },
  {
    name: "a 421 to the second RCPT sends the message to the next MX, the first recipient too",
    script: (stage, arg) =>
      stage === "rcpt" && arg === "y@mx.test" ? "421 4.7.0 too many errors" : undefined,
    expect: { "x@mx.test": BY_B, "y@mx.test": BY_B },
    backupRcpts: ["x@mx.test", "y@mx.test"],
  },
  {
    name: "a hang-up after RCPT sends the message to the next MX",
    script: (stage) => stage === "data" ? "drop" : undefined,
    expect: { "x@mx.test": BY_B, "y@mx.test": BY_B },
    backupRcpts: ["x@mx.test", "y@mx.test"],
  },
  {
    name: "a 452 to the final dot sends the message to the next MX",
    script: (stage) => stage === "dot" ? "452 4.3.1 insufficient storage" : undefined,
    expect: { "x@mx.test": BY_B, "y@mx.test": BY_B },
    backupRcpts: ["x@mx.test", "y@mx.test"],
  },
  {
    name: "a 550 to one RCPT is final: the next MX is not asked for it",
    script: (stage, arg) =>
      stage === "rcpt" && arg === "y@mx.test" ? "550 5.1.1 no such user" : undefined,
    expect: { "x@mx.test": BY_A, "y@mx.test": "permanent" },
    backupRcpts: [],
  },
  {
    name: "a 554 to the final dot is final: the next MX is not asked",
    script: (stage) => stage === "dot" ? "554 5.7.1 spam" : undefined,
    expect: { "x@mx.test": "permanent", "y@mx.test": "permanent" },
    backupRcpts: [],
  },
  {
    name: "a hang-up after the final dot (the message may have been taken) waits, no second copy",
    script: (stage) => stage === "dot" ? "drop" : undefined,
    expect: { "x@mx.test": "transient", "y@mx.test": "transient" },
    backupRcpts: [],
  },
];
for (const { name, script, expect, backupRcpts } of CASES) {
  Deno.test(`MX: ${name}`, async () => {
    const rcpts = ["x@mx.test", "y@mx.test"];
    const { outcomes, backup } = await deliverVia(script, rcpts);
    assert.deepEqual(kinds(outcomes), expect);
    assert.deepEqual(
      backup.transactions.map((t) => t.rcpts),
      backupRcpts.length ? [backupRcpts] : [],
    );
  });
}

Deno.test("MX: a 421 to MAIL at every MX leaves the mail waiting with the last MX's words", async () => {
  const script: SinkOptions["script"] = (stage) =>
    stage === "mail" ? "421 4.3.2 shutting down" : undefined;
  const backup = await startSink({ script });
  const first = await startSink({ listenAddress: "127.0.0.2", script }, backup.port);
  const dns = await startFakeDns(ZONES);
  const courier = mxCourier({ dnsPort: dns.port, mxPort: backup.port });
  try {
    const outcome = (await courier.deliver(queued(MESSAGE, ["x@mx.test"]), ["x@mx.test"]))
      .get("x@mx.test")!;
    assert.equal(outcome.kind, "transient", JSON.stringify(outcome));
    assert.equal(outcome.remoteMta, "b.mx.test [127.0.0.1]");
    assert.equal(backup.connections(), 1);
    assert.equal(first.connections(), 1);
  } finally {
    await courier.close();
    await dns.close();
    await first.close();
    await backup.close();
  }
});

Deno.test("MX: after a 421 to MAIL, an MX that cannot be reached is passed over for the one after it", async () => {
  const backup = await startSink({});
  const script: SinkOptions["script"] = (stage) =>
    stage === "mail" ? "421 4.3.2 shutting down" : undefined;
  const first = await startSink({ listenAddress: "127.0.0.2", script }, backup.port);
  const dns = await startFakeDns({
    "mx.test": {
      mx: [
        { preference: 10, exchange: "a.mx.test" },
        { preference: 20, exchange: "dead.mx.test" },
        { preference: 30, exchange: "b.mx.test" },
      ],
    },
    "a.mx.test": { a: ["127.0.0.2"] },
    "dead.mx.test": { a: ["127.0.0.9"] }, // nothing listens on 127.0.0.9
    "b.mx.test": { a: ["127.0.0.1"] },
  });
  const courier = mxCourier({ dnsPort: dns.port, mxPort: backup.port });
  try {
    const outcomes = await courier.deliver(queued(MESSAGE, ["x@mx.test"]), ["x@mx.test"]);
    assert.deepEqual(kinds(outcomes), { "x@mx.test": BY_B });
    assert.equal(backup.transactions.length, 1);
    assert.equal(first.connections(), 1);
  } finally {
    await courier.close();
    await dns.close();
    await first.close();
    await backup.close();
  }
});
