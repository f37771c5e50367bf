/** The HELO fallback (RFC 5321 4.1.4, 3.2) against servers that refuse EHLO in their own ways. */
import assert from "node:assert/strict";
import { MESSAGE, queued, withSink } from "./remote_courier_helpers.ts";

const HANG_UP_CASES = [
  { name: "502 and hangs up", reply: "502 5.5.1 EHLO not implemented" },
  { name: "500 and hangs up", reply: "500 5.5.2 Syntax error, command unrecognized" },
];
for (const { name, reply } of HANG_UP_CASES) {
  Deno.test(`a server that refuses EHLO with ${name} gets HELO on a new connection, and the mail`, async () => {
    await withSink(
      { script: (stage) => stage === "ehlo" ? { replyThenDrop: reply } : undefined },
      async (courier, sink) => {
        const outcome =
          (await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]))
            .get("x@remote.test")!;
        assert.equal(outcome.kind, "delivered", JSON.stringify(outcome));
        assert.equal(sink.transactions.length, 1);
        assert.equal(sink.connections(), 2);
        assert.deepEqual(sink.commands[0], ["EHLO out.test"]);
        assert.equal(sink.commands[1]![0], "HELO out.test", "no EHLO again on the new connection");
      },
    );
  });
}
