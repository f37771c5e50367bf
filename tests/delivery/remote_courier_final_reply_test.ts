/**
 * A reply to the final dot whose lines carry different codes (RFC 5321 4.2.1
 * says they MUST NOT). The message is then already out: read as "try again",
 * a receiver that took it would get another copy at every retry.
 */
import assert from "node:assert/strict";
import { MESSAGE, queued, withSink } from "./remote_courier_helpers.ts";

const CASES = [
  {
    name: "codes of one class (250 then 251) is delivered",
    reply: "250-2.0.0 queued as A1B2\n251 2.0.0 ok",
    kind: "delivered",
  },
  {
    name: "a 250 line then a 451 line fails for good (5.x.x), it is not sent again",
    reply: "250-2.0.0 queued as A1B2\n451 4.3.0 try again later",
    kind: "permanent",
  },
  {
    name: "a 550 line then a 250 line fails for good (5.x.x), it is not taken as delivered",
    reply: "550-5.7.1 content refused\n250 2.0.0 ok",
    kind: "permanent",
  },
];
for (const { name, reply, kind } of CASES) {
  Deno.test(`remote courier: a reply to the final dot with ${name}`, async () => {
    await withSink(
      { script: (stage) => stage === "dot" ? reply : undefined },
      async (courier, sink) => {
        const rcpts = ["x@remote.test", "y@remote.test"];
        const outcomes = await courier.deliver(queued(MESSAGE, rcpts), rcpts);
        for (const rcpt of rcpts) {
          const outcome = outcomes.get(rcpt)!;
          assert.equal(outcome.kind, kind, JSON.stringify(outcome));
          if (outcome.kind === "permanent") {
            assert.match(outcome.status, /^5\./);
            // The server's words, both codes, for the DSN: the sender must see it may have arrived.
            for (const line of reply.split("\n")) {
              assert.ok(outcome.reason.includes(line.slice(0, 3)), outcome.reason);
            }
          }
        }
        assert.equal(sink.commands.flat().filter((c) => c === "DATA").length, 1);
      },
    );
  });
}

const RETIRING = [
  // RFC 5321 3.8: a 421 means the server is closing the channel; the client does not reuse it.
  { name: "a 421", reply: "421 4.3.2 shutting down", kind: "transient" },
  {
    name: "lines of different classes",
    reply: "250-2.0.0 queued\n451 4.3.0 later",
    kind: "permanent",
  },
];
for (const { name, reply, kind } of RETIRING) {
  Deno.test(`remote courier: after ${name} to the final dot, the next message goes on a new connection`, async () => {
    await withSink(
      {
        script: (stage, _arg, state) =>
          stage === "dot" && state.connection === 0 ? reply : undefined,
      },
      async (courier, sink) => {
        const first = await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]);
        const second = await courier.deliver(queued(MESSAGE, ["y@remote.test"]), [
          "y@remote.test",
        ]);
        assert.equal(first.get("x@remote.test")?.kind, kind);
        assert.equal(second.get("y@remote.test")?.kind, "delivered");
        assert.equal(sink.connections(), 2);
        assert.equal(sink.commands[0]!.filter((c) => c.startsWith("MAIL")).length, 1, "not reused");
      },
    );
  });
}
