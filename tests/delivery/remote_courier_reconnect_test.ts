/**
 * A reused connection the server answers MAIL with a 4xx on while keeping
 * the session (OpenSMTPD's "452 4.5.3 Too many messages sent" once a
 * session has carried its max-mails): the courier says QUIT on it, closes
 * the hop's other idle ones, and sends the message at once on a fresh one.
 * Found by mutation testing of remote_courier.ts: QUIT, the close of the
 * idle ones and the "reused" condition could each go with every
 * in-process test still passing (only the OpenSMTPD end-to-end test saw
 * some of them). Without the QUIT, the connection went back to the pool
 * open and a message waiting for the hop was handed it, and deferred.
 */
import assert from "node:assert/strict";
import { ClientPool } from "../../src/smtp_client/mod.ts";
import { MESSAGE, queued, withSink } from "./remote_courier_helpers.ts";

const TOO_MANY = "452 4.5.3 Too many messages sent";
const deliverTo = (courier: Parameters<Parameters<typeof withSink>[1]>[0], rcpt: string) =>
  courier.deliver(queued(MESSAGE, [rcpt]), [rcpt]);

/**
 * Delivers one message, so the hop has a connection to reuse, then has the
 * sink answer MAIL on that first connection with a 452.
 */
async function openThen452ToMail(
  courier: Parameters<Parameters<typeof withSink>[1]>[0],
  sink: Parameters<Parameters<typeof withSink>[1]>[1],
): Promise<void> {
  assert.equal(
    (await deliverTo(courier, "a@remote.test")).get("a@remote.test")?.kind,
    "delivered",
  );
  sink.setScript((stage, _arg, state) =>
    stage === "mail" && state.connection === 0 ? TOO_MANY : undefined
  );
}

Deno.test("a 452 to MAIL on a reused connection: QUIT there, and the message goes at once on a fresh one", async () => {
  await withSink({}, async (courier, sink) => {
    await openThen452ToMail(courier, sink);
    assert.deepEqual((await deliverTo(courier, "b@remote.test")).get("b@remote.test"), {
      kind: "delivered",
      remoteMta: "127.0.0.1",
    });
    assert.equal(
      (await deliverTo(courier, "c@remote.test")).get("c@remote.test")?.kind,
      "delivered",
    );
    assert.equal(sink.connections(), 2);
    // RFC 5321 4.1.1.10: the session the server is done with ends with QUIT, not a hang-up.
    const first = sink.commands[0]!.map((line) => line.split(/[ :]/)[0]);
    assert.equal(first.at(-1), "QUIT", first.join(" "));
    assert.equal(first.filter((verb) => verb === "MAIL").length, 2, "no MAIL after the 452");
    const onFresh = sink.transactions.filter((tx) => tx.connection === 1);
    assert.deepEqual(onFresh.map((tx) => tx.rcpts), [["b@remote.test"], ["c@remote.test"]]);
  });
});

Deno.test("a 452 to MAIL on a fresh connection defers the message: no second connection at once", async () => {
  await withSink({
    script: (stage) => stage === "mail" ? TOO_MANY : undefined,
  }, async (courier, sink) => {
    const outcome = (await deliverTo(courier, "a@remote.test")).get("a@remote.test");
    assert.equal(outcome?.kind, "transient", JSON.stringify(outcome));
    assert.equal(sink.connections(), 1);
  });
});

Deno.test("after a 452 to MAIL on a reused connection, the hop's other idle connection is not tried: a fresh one is", async () => {
  await withSink({}, async (courier, sink) => {
    const both = await Promise.all([
      deliverTo(courier, "a@remote.test"),
      deliverTo(courier, "b@remote.test"),
    ]);
    assert.ok(both.every((outcomes) => [...outcomes.values()][0]?.kind === "delivered"));
    assert.equal(sink.connections(), 2, "two connections idle in the pool");
    // The server is done with both sessions it had.
    sink.setScript((stage, _arg, state) =>
      stage === "mail" && state.connection < 2 ? TOO_MANY : undefined
    );
    assert.deepEqual((await deliverTo(courier, "c@remote.test")).get("c@remote.test"), {
      kind: "delivered",
      remoteMta: "127.0.0.1",
    });
    assert.equal(sink.connections(), 3);
  });
});

Deno.test("a connection that had a 452 to MAIL is not handed to a message waiting for the hop", async () => {
  // One connection a hop: the second message waits while the first has the reused one.
  await withSink({}, async (courier, sink) => {
    await openThen452ToMail(courier, sink);
    const both = await Promise.all([
      deliverTo(courier, "b@remote.test"),
      deliverTo(courier, "c@remote.test"),
    ]);
    assert.ok(both.every((outcomes) => [...outcomes.values()][0]?.kind === "delivered"));
    const first = sink.commands[0]!.map((line) => line.split(/[ :]/)[0]);
    assert.equal(first.filter((verb) => verb === "MAIL").length, 2, first.join(" "));
  }, { pool: new ClientPool({ maxPerKey: 1 }) });
});
