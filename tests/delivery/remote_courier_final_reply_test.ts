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
