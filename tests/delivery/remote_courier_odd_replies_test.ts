/**
 * The remote courier against servers whose replies are legal but odd, or
 * broken: the outcome follows the reply code (RFC 5321 4.2), and a message a
 * server took is never counted as failed (it would be sent again).
 */
import assert from "node:assert/strict";
import { startLineServer } from "./line_server.ts";
import { MESSAGE, queued, routedCourier, withSink } from "./remote_courier_helpers.ts";

const LONG_TEXT = "x".repeat(5000);

Deno.test("a 250 to the final dot with a 5000-byte text counts as delivered, once", async () => {
  await withSink({
    script: (stage) => stage === "dot" ? `250 2.0.0 queued ${LONG_TEXT}` : undefined,
  }, async (courier, sink) => {
    const outcome = (await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]))
      .get("x@remote.test");
    assert.equal(outcome?.kind, "delivered", JSON.stringify(outcome));
    assert.equal(sink.transactions.length, 1);
  });
});

Deno.test("a 550 to RCPT with a 5000-byte text is a permanent refusal, with its start as reason", async () => {
  await withSink({
    script: (stage) =>
      stage === "rcpt" ? `550-5.1.1 ${LONG_TEXT}\n550 5.1.1 No such user` : undefined,
  }, async (courier) => {
    const outcome = (await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]))
      .get("x@remote.test");
    assert.ok(outcome?.kind === "permanent" && outcome.status === "5.1.1", JSON.stringify(outcome));
    assert.match(outcome.reason, /^550 5\.1\.1 xxx.*No such user$/);
  });
});

Deno.test("an overlong reply line without a reply code stays malformed: deferred", async () => {
  await withSink({
    script: (stage) => stage === "mail" ? LONG_TEXT : undefined,
  }, async (courier, sink) => {
    const outcome = (await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]))
      .get("x@remote.test");
    assert.ok(
      outcome?.kind === "transient" && /too long/.test(outcome.reason),
      JSON.stringify(outcome),
    );
    assert.equal(sink.transactions.filter((tx) => tx.data.length > 0).length, 0);
  });
});

const MAIL_REFUSALS = [
  { reply: "550 5.7.1 Sender blocked", kind: "permanent", status: "5.7.1", verb: "bounces" },
  { reply: "451 4.7.1 Greylisted", kind: "transient", status: "4.7.1", verb: "is deferred" },
];
for (const pipelining of [true, false]) {
  const mode = pipelining ? "pipelined" : "one command at a time";
  for (const { reply, kind, status, verb } of MAIL_REFUSALS) {
    Deno.test(`a ${reply.slice(0, 3)} to MAIL followed by a hang-up ${verb} with the server's words (${mode})`, async () => {
      const server = startLineServer({
        greeting: "220 odd.test",
        answer: (line) => {
          const command = line.slice(0, 4).toUpperCase();
          if (command === "EHLO") {
            return { reply: pipelining ? "250-odd.test\n250 PIPELINING" : "250 odd.test" };
          }
          if (command === "MAIL") return { reply, close: true };
          return { reply: "250 ok" };
        },
      });
      const courier = routedCourier(server.port, { smarthostTls: "none" });
      try {
        const outcome =
          (await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]))
            .get("x@remote.test");
        assert.deepEqual(outcome, {
          kind,
          reason: `${reply} (in reply to MAIL)`,
          status,
          remoteMta: "127.0.0.1",
        });
      } finally {
        await courier.close();
        server.close();
      }
    });
  }
}
