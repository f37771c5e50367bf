/** What a relayed message carries to the next hop of its DSN requests (RFC 3461 5.2.1). */
import assert from "node:assert/strict";
import { outgoingMessage } from "../../src/delivery/dsn_relay.ts";
import type { Envelope, QueuedMessage } from "../../src/spool/mod.ts";

const encoder = new TextEncoder();

function queued(extra: Partial<Envelope>): QueuedMessage {
  const head = encoder.encode("PBQ1 {}\n");
  const body = encoder.encode("Subject: x\r\n\r\nbody\r\n");
  const bytes = new Uint8Array([...head, ...body]);
  return {
    envelope: {
      qid: "Q",
      from: "a@x.test",
      rcpts: ["b@y.test"],
      arrivalMs: 1,
      source: "smtp",
      ...extra,
    },
    bytes,
    messageOffset: head.length,
  };
}

const cases: { name: string; extra: Partial<Envelope> }[] = [
  { name: "RET alone", extra: { ret: "HDRS" } },
  { name: "ENVID alone", extra: { envid: "e+2B1" } },
  { name: "a recipient's NOTIFY alone", extra: { rcptDsn: { "b@y.test": { notify: ["NEVER"] } } } },
];
for (const c of cases) {
  Deno.test(`outgoingMessage() carries the DSN requests of a message that asked ${c.name}`, () => {
    const message = outgoingMessage(queued(c.extra), ["b@y.test"]);
    assert.deepEqual(message.dsn, {
      ret: c.extra.ret,
      envid: c.extra.envid,
      rcpts: c.extra.rcptDsn,
    });
  });
}

Deno.test("outgoingMessage() carries no DSN requests for a message that asked none", () => {
  const message = outgoingMessage(queued({}), ["b@y.test"]);
  assert.equal("dsn" in message, false);
  assert.equal(new TextDecoder().decode(message.body), "Subject: x\r\n\r\nbody\r\n");
});

Deno.test("outgoingMessage() keeps the message's SMTPUTF8", () => {
  assert.equal(outgoingMessage(queued({ isSmtputf8: true }), ["b@y.test"]).isSmtputf8, true);
});
