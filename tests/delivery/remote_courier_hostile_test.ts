/**
 * The remote courier against receivers that misbehave in ways real ones do:
 * a 421 (or a 452, the session kept open) to MAIL on a connection kept from
 * an earlier message, a STARTTLS
 * refused with a hang-up, replies that bend the grammar. Each case ends as
 * RFC 5321 says: delivered, deferred or bounced, never lost and never sent
 * again and again.
 */
import assert from "node:assert/strict";
import { Logger } from "../../src/log/mod.ts";
import { MESSAGE, queued, withSink } from "./remote_courier_helpers.ts";

/** A logger that keeps its lines, for tests that check what the log says. */
function recordingLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return {
    log: new Logger({ level: "info", format: "text", sink: (line) => lines.push(line) }),
    lines,
  };
}

for (const pipelining of [true, false]) {
  const mode = pipelining ? "pipelined" : "one command at a time";
  Deno.test(`a 421 to MAIL on a reused connection sends the message at once on a fresh one (${mode})`, async () => {
    const { log, lines } = recordingLog();
    await withSink({
      pipelining,
      // The first connection takes one message, then closes on the next MAIL (Exim's
      // smtp_accept_max_per_connection, a server shutting down while the connection idled).
      script: (stage, _arg, state) =>
        stage === "mail" && state.connection === 0 && state.tx === 1
          ? "421 4.3.2 too many messages on this connection"
          : undefined,
    }, async (courier, sink) => {
      const first = await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]);
      const second = await courier.deliver(queued(MESSAGE, ["y@remote.test"]), ["y@remote.test"]);
      assert.equal(first.get("x@remote.test")?.kind, "delivered");
      assert.deepEqual(second.get("y@remote.test"), { kind: "delivered", remoteMta: "127.0.0.1" });
      assert.equal(sink.connections(), 2);
      assert.deepEqual(sink.transactions.map((tx) => tx.rcpts), [["x@remote.test"], [
        "y@remote.test",
      ]]);
      assert.ok(
        lines.some((line) => /event=smtp\.reconnect .*421 4\.3\.2/.test(line)),
        lines.join("\n"),
      );
    }, { log });
  });
}

for (const pipelining of [true, false]) {
  const mode = pipelining ? "pipelined" : "one command at a time";
  Deno.test(`a 452 to MAIL on a reused connection kept open sends the message at once on a fresh one, and that one is not used again (${mode})`, async () => {
    const { log, lines } = recordingLog();
    await withSink({
      pipelining,
      // OpenSMTPD past its max-mails (100 a session by default): every later MAIL on the
      // connection gets this, and the session stays open (pipelined RCPT and DATA get 503).
      script: (stage, _arg, state) =>
        state.connection !== 0 || state.tx < 1
          ? undefined
          : stage === "mail"
          ? "452 4.5.3 Too many recipients: Too many messages sent"
          : stage === "rcpt" || stage === "data"
          ? "503 5.5.1 Invalid command: Command not allowed"
          : undefined,
    }, async (courier, sink) => {
      for (const rcpt of ["x@remote.test", "y@remote.test", "z@remote.test"]) {
        const outcome = (await courier.deliver(queued(MESSAGE, [rcpt]), [rcpt])).get(rcpt);
        assert.deepEqual(outcome, { kind: "delivered", remoteMta: "127.0.0.1" }, rcpt);
      }
      assert.equal(sink.connections(), 2);
      assert.deepEqual(sink.transactions.map((tx) => tx.rcpts), [
        ["x@remote.test"],
        ["y@remote.test"],
        ["z@remote.test"],
      ]);
      assert.ok(
        lines.some((line) => /event=smtp\.reconnect .*452 4\.5\.3/.test(line)),
        lines.join("\n"),
      );
    }, { log });
  });
}

Deno.test("a 421 to MAIL on a fresh connection defers the message: no second try at once", async () => {
  await withSink({
    script: (stage) => stage === "mail" ? "421 4.3.2 closing" : undefined,
  }, async (courier, sink) => {
    const outcome = (await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]))
      .get("x@remote.test");
    assert.ok(outcome?.kind === "transient" && outcome.status === "4.3.2", JSON.stringify(outcome));
    assert.equal(sink.connections(), 1);
  });
});

/** STARTTLS offered: the sink never starts TLS in these tests (its script answers STARTTLS). */
const OFFERS_STARTTLS = { cert: "unused", key: "unused" };

Deno.test("a STARTTLS answered 454 and a hang-up: the message goes in plaintext on a new connection, logged", async () => {
  const { log, lines } = recordingLog();
  await withSink({
    tls: OFFERS_STARTTLS,
    // RFC 3207 4: after a 454 the client may go on without TLS; this server hangs up instead.
    script: (stage) =>
      stage === "starttls"
        ? { replyThenDrop: "454 4.7.0 TLS not available due to local problem" }
        : undefined,
  }, async (courier, sink) => {
    const outcome = (await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]))
      .get("x@remote.test");
    assert.deepEqual(outcome, { kind: "delivered", remoteMta: "127.0.0.1" });
    assert.equal(sink.connections(), 2);
    assert.equal(sink.transactions.length, 1);
    assert.equal(sink.transactions[0]!.isTls, false);
    assert.ok(!sink.commands[1]!.includes("STARTTLS"), JSON.stringify(sink.commands));
    assert.ok(
      lines.some((line) => /event=smtp\.tls_fallback .*454 4\.7\.0 TLS not available/.test(line)),
      lines.join("\n"),
    );
  }, { log });
});

Deno.test("a STARTTLS answered 454 on a session that stays open carries the message on it", async () => {
  await withSink({
    tls: OFFERS_STARTTLS,
    script: (stage) => stage === "starttls" ? "454 4.7.0 TLS not available now" : undefined,
  }, async (courier, sink) => {
    const outcome = (await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]))
      .get("x@remote.test");
    assert.deepEqual(outcome, { kind: "delivered", remoteMta: "127.0.0.1" });
    assert.equal(sink.connections(), 1);
    assert.equal(sink.transactions.length, 1);
  });
});

for (const pipelining of [true, false]) {
  const mode = pipelining ? "pipelined" : "one command at a time";
  Deno.test(`a 250 to the final dot with text but no space counts as delivered, once (${mode})`, async () => {
    // Read as malformed it was deferred, and each retry sent the taken message again.
    await withSink({
      pipelining,
      script: (stage) => stage === "dot" ? "250OK id=1x" : undefined,
    }, async (courier, sink) => {
      const outcome = (await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]))
        .get("x@remote.test");
      assert.deepEqual(outcome, { kind: "delivered", remoteMta: "127.0.0.1" });
      assert.equal(sink.transactions.length, 1);
    });
  });

  Deno.test(`a 550 to RCPT with text but no space bounces with its words (${mode})`, async () => {
    await withSink({
      pipelining,
      script: (stage) => stage === "rcpt" ? "550No such user here" : undefined,
    }, async (courier, sink) => {
      const outcome = (await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]))
        .get("x@remote.test");
      assert.ok(outcome?.kind === "permanent", JSON.stringify(outcome));
      assert.equal(outcome.reason, "550 No such user here");
      assert.equal(sink.transactions.length, 0);
    });
  });
}

for (const [name, answer] of [["says 421 to MAIL", "421 4.3.2 restarting"], ["hangs up", "drop"]]) {
  Deno.test(`when every pooled connection of a hop ${name}, the message goes at once on a fresh one`, async () => {
    await withSink({
      // Two connections carry a message each and wait in the pool; then the server restarts:
      // both are dead to it, and each answers the next MAIL as a restarted server would.
      script: (stage, _arg, state) =>
        stage === "mail" && state.connection < 2 && state.tx >= 2 ? answer : undefined,
    }, async (courier, sink) => {
      const [first, second] = await Promise.all([
        courier.deliver(queued(MESSAGE, ["a@remote.test"]), ["a@remote.test"]),
        courier.deliver(queued(MESSAGE, ["b@remote.test"]), ["b@remote.test"]),
      ]);
      assert.equal(first.get("a@remote.test")?.kind, "delivered");
      assert.equal(second.get("b@remote.test")?.kind, "delivered");
      assert.equal(sink.connections(), 2);
      const third = await courier.deliver(queued(MESSAGE, ["c@remote.test"]), ["c@remote.test"]);
      assert.deepEqual(third.get("c@remote.test"), { kind: "delivered", remoteMta: "127.0.0.1" });
      assert.equal(sink.connections(), 3);
      assert.equal(sink.transactions.length, 3);
    });
  });
}
