/**
 * A connection handed straight from one delivery to the next one waiting for
 * its hop gets the same checks as one taken from the idle list.
 */
import assert from "node:assert/strict";
import { ClientPool } from "../../src/smtp_client/mod.ts";
import { MESSAGE, queued, withSink } from "./remote_courier_helpers.ts";

Deno.test("a connection the server said 421 on is not handed to a waiting delivery", async () => {
  await withSink({
    // With the 250 that ends the first message, in the same write: a 421 and the close.
    script: (stage, _arg, state) =>
      stage === "dot" && state.connection === 0
        ? "250 2.0.0 queued\r\n421 4.4.2 closing"
        : undefined,
  }, async (courier, sink) => {
    // One connection per hop: the second delivery waits for the first one's connection.
    const [first, second] = await Promise.all([
      courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]),
      courier.deliver(queued(MESSAGE, ["y@remote.test"]), ["y@remote.test"]),
    ]);
    assert.equal(first.get("x@remote.test")?.kind, "delivered");
    assert.deepEqual(second.get("y@remote.test"), { kind: "delivered", remoteMta: "127.0.0.1" });
    assert.equal(sink.transactions.filter((tx) => tx.data.length > 0).length, 2);
  }, { pool: new ClientPool({ maxPerKey: 1 }) });
});
