/** How the remote courier maps a server's replies to each recipient's outcome. */
import assert from "node:assert/strict";
import { diagnosticCodeField } from "../../src/mail/mod.ts";
import type { SinkStage } from "../e2e/smtp_sink.ts";
import { freePort } from "../e2e/story_helpers.ts";
import { MESSAGE, queued, routedCourier, withSink } from "./remote_courier_helpers.ts";

for (const pipelining of [true, false]) {
  const mode = pipelining ? "pipelined" : "one command at a time";

  Deno.test(`RCPT refused with 552 is transient, as RFC 5321 4.5.3.1.10 asks (${mode})`, async () => {
    await withSink({
      pipelining,
      script: (stage, arg) =>
        stage === "rcpt" && arg.startsWith("many") ? "552 5.5.3 Too many recipients" : undefined,
    }, async (courier, sink) => {
      const rcpts = ["ok@remote.test", "many@remote.test"];
      const outcomes = await courier.deliver(queued(MESSAGE, rcpts), rcpts);
      assert.equal(outcomes.get("ok@remote.test")?.kind, "delivered");
      const many = outcomes.get("many@remote.test");
      assert.equal(many?.kind, "transient", JSON.stringify(many));
      // A delayed recipient's status is of class 4 (RFC 3464 2.3.4 with Action: delayed).
      assert.ok(many?.kind === "transient" && many.status === "4.5.3", JSON.stringify(many));
      assert.match(many.reason, /552 5\.5\.3 Too many recipients/);
      assert.deepEqual(sink.transactions[0]!.rcpts, ["ok@remote.test"]);
    });
  });

  Deno.test(`a 552 to the final dot stays permanent (${mode})`, async () => {
    await withSink({
      pipelining,
      script: (stage) => stage === "dot" ? "552 5.3.4 Message too big" : undefined,
    }, async (courier) => {
      const outcome = (await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]))
        .get("x@remote.test");
      assert.ok(
        outcome?.kind === "permanent" && outcome.status === "5.3.4",
        JSON.stringify(outcome),
      );
    });
  });

  Deno.test(`a DATA refusal leaves a recipient deferred at RCPT deferred (${mode})`, async () => {
    await withSink({
      pipelining,
      script: (stage, arg) =>
        stage === "rcpt" && arg.startsWith("later")
          ? "450 4.2.1 Try again later"
          : stage === "rcpt" && arg.startsWith("gone")
          ? "550 5.1.1 No such user"
          : stage === "data"
          ? "554 5.7.1 Transaction refused"
          : undefined,
    }, async (courier, sink) => {
      const rcpts = ["later@remote.test", "gone@remote.test", "ok@remote.test"];
      const outcomes = await courier.deliver(queued(MESSAGE, rcpts), rcpts);
      const later = outcomes.get("later@remote.test");
      assert.ok(later?.kind === "transient" && later.status === "4.2.1", JSON.stringify(later));
      const gone = outcomes.get("gone@remote.test");
      assert.ok(
        gone?.kind === "permanent" && /No such user/.test(gone.reason),
        JSON.stringify(gone),
      );
      const ok = outcomes.get("ok@remote.test");
      assert.ok(
        ok?.kind === "permanent" && /Transaction refused/.test(ok.reason),
        JSON.stringify(ok),
      );
      assert.equal(sink.transactions.length, 0);
    });
  });

  Deno.test(`a 421 to a RCPT ends the session at once and is the reason given (${mode})`, async () => {
    await withSink({
      pipelining,
      script: (stage, arg) =>
        stage === "rcpt" && arg.startsWith("b") ? "421 4.3.2 Shutting down" : undefined,
    }, async (courier, sink) => {
      const rcpts = ["a@remote.test", "b@remote.test", "c@remote.test"];
      const outcomes = await courier.deliver(queued(MESSAGE, rcpts), rcpts);
      for (const rcpt of rcpts) {
        const outcome = outcomes.get(rcpt);
        assert.ok(
          outcome?.kind === "transient" && /421 4\.3\.2 Shutting down/.test(outcome.reason),
          `${rcpt}: ${JSON.stringify(outcome)}`,
        );
      }
      assert.equal(sink.transactions.length, 0);
      if (!pipelining) {
        // Nothing after the 421: the server has closed (RFC 5321 3.8).
        assert.equal(sink.commands[0]!.at(-1), "RCPT TO:<b@remote.test>");
      }
    });
  });

  Deno.test(`RCPT refusals before a 421 stand, so the next attempt gets further (${mode})`, async () => {
    // Postfix's smtpd_hard_error_limit: after N refused RCPTs the next command gets
    // "421 Error: too many errors" and the server hangs up. Were the 550s before it thrown
    // away, every retry would meet the same 421 and the good recipients would never get
    // the message: each refusal is that recipient's answer (RFC 5321 4.1.1.3, 3.8).
    await withSink({
      pipelining,
      script: (stage, arg) =>
        stage === "rcpt" && arg.startsWith("gone")
          ? "550 5.1.1 No such user"
          : stage === "rcpt" && arg.startsWith("later")
          ? "450 4.2.1 Mailbox busy"
          : stage === "rcpt" && arg.startsWith("cut")
          ? "421 4.7.0 Error: too many errors"
          : undefined,
    }, async (courier) => {
      const rcpts = [
        "gone1@remote.test",
        "ok@remote.test",
        "later@remote.test",
        "gone2@remote.test",
        "cut@remote.test",
        "after@remote.test",
      ];
      const outcomes = await courier.deliver(queued(MESSAGE, rcpts), rcpts);
      for (const gone of ["gone1@remote.test", "gone2@remote.test"]) {
        const outcome = outcomes.get(gone);
        assert.ok(
          outcome?.kind === "permanent" && outcome.status === "5.1.1" &&
            /550 5\.1\.1 No such user/.test(outcome.reason),
          `${gone}: ${JSON.stringify(outcome)}`,
        );
      }
      const later = outcomes.get("later@remote.test");
      assert.ok(
        later?.kind === "transient" && /450 4\.2\.1 Mailbox busy/.test(later.reason),
        JSON.stringify(later),
      );
      // Accepted, at the 421 or never asked: the transaction did not happen, they wait.
      for (const waiting of ["ok@remote.test", "cut@remote.test", "after@remote.test"]) {
        const outcome = outcomes.get(waiting);
        assert.ok(
          outcome?.kind === "transient" &&
            /421 4\.7\.0 Error: too many errors/.test(outcome.reason),
          `${waiting}: ${JSON.stringify(outcome)}`,
        );
      }
    });
  });

  Deno.test(`RCPT refusals before the server hangs up stand too (${mode})`, async () => {
    // Exim's `drop` ACL verb (its docs' answer to dictionary attacks: drop after a few
    // unknown recipients) sends its 550 and closes, with no 421 at all.
    await withSink({
      pipelining,
      script: (stage, arg) =>
        stage === "rcpt" && arg.startsWith("gone")
          ? "550 5.1.1 No such user"
          : stage === "rcpt" && arg.startsWith("drop")
          ? { replyThenDrop: "550 5.7.1 Too many unknown recipients" }
          : undefined,
    }, async (courier) => {
      const rcpts = [
        "gone1@remote.test",
        "ok@remote.test",
        "gone2@remote.test",
        "drop@remote.test",
        "after@remote.test",
      ];
      const outcomes = await courier.deliver(queued(MESSAGE, rcpts), rcpts);
      for (const gone of ["gone1@remote.test", "gone2@remote.test", "drop@remote.test"]) {
        const outcome = outcomes.get(gone);
        assert.ok(
          outcome?.kind === "permanent" && /^550 5\.[17]\.1 /.test(outcome.reason),
          `${gone}: ${JSON.stringify(outcome)}`,
        );
      }
      for (const waiting of ["ok@remote.test", "after@remote.test"]) {
        const outcome = outcomes.get(waiting);
        assert.ok(
          outcome?.kind === "transient" && /closed the connection/.test(outcome.reason),
          `${waiting}: ${JSON.stringify(outcome)}`,
        );
      }
    });
  });
}

/**
 * A reply that ends the whole transaction is still the server's reply: a DSN
 * types it `smtp` (RFC 3464 2.3.6), as it does a refused RCPT, and the stage
 * it answered follows it.
 */
const WHOLE_TRANSACTION_REPLIES: { name: string; stage: SinkStage; reply: string }[] = [
  { name: "a 550 to MAIL", stage: "mail", reply: "550 5.7.1 Sender refused" },
  { name: "a 554 greeting", stage: "greeting", reply: "554 5.7.1 Go away" },
  { name: "a 451 to EHLO", stage: "ehlo", reply: "451 4.3.0 Try later" },
  { name: "a 421 to MAIL", stage: "mail", reply: "421 4.3.2 Shutting down" },
];
for (const { name, stage, reply } of WHOLE_TRANSACTION_REPLIES) {
  Deno.test(`${name} is a DSN's smtp Diagnostic-Code, with the stage after it`, async () => {
    await withSink({ script: (at) => at === stage ? reply : undefined }, async (courier) => {
      const outcome = (await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]))
        .get("x@remote.test");
      if (outcome === undefined || outcome.kind === "delivered") throw new Error("no failure");
      assert.match(
        diagnosticCodeField(outcome.reason),
        new RegExp(`^smtp; ${reply} \\(in reply to `),
      );
    });
  });
}

for (const pipelining of [true, false]) {
  const mode = pipelining ? "pipelined" : "one command at a time";

  Deno.test(`recipients over the server's own limit go in another transaction at once, not at the next retry (${mode})`, async () => {
    let rcptsInTransaction = 0;
    await withSink({
      pipelining,
      script: (stage) => {
        if (stage === "mail") rcptsInTransaction = 0;
        if (stage !== "rcpt") return undefined;
        rcptsInTransaction++;
        return rcptsInTransaction > 2 ? "452 4.5.3 Too many recipients" : undefined;
      },
    }, async (courier, sink) => {
      const rcpts = ["a", "b", "c", "d", "e"].map((name) => `${name}@remote.test`);
      const outcomes = await courier.deliver(queued(MESSAGE, rcpts), rcpts);
      for (const rcpt of rcpts) assert.equal(outcomes.get(rcpt)?.kind, "delivered", rcpt);
      assert.deepEqual(sink.transactions.map((transaction) => transaction.rcpts), [
        ["a@remote.test", "b@remote.test"],
        ["c@remote.test", "d@remote.test"],
        ["e@remote.test"],
      ]);
    });
  });

  Deno.test(`a 452 to every recipient of a transaction is not retried at once (${mode})`, async () => {
    let rcptCommands = 0;
    await withSink({
      pipelining,
      script: (stage) => {
        if (stage !== "rcpt") return undefined;
        rcptCommands++;
        return "452 4.5.3 Too many recipients";
      },
    }, async (courier, sink) => {
      const rcpts = ["a@remote.test", "b@remote.test"];
      const outcomes = await courier.deliver(queued(MESSAGE, rcpts), rcpts);
      for (const rcpt of rcpts) assert.equal(outcomes.get(rcpt)?.kind, "transient", rcpt);
      assert.equal(sink.transactions.length, 0);
      assert.equal(rcptCommands, 2, "each was asked once: no progress, no second transaction");
    });
  });
}

/**
 * RFC 3464 2.3.5/2.3.6: with no Remote-MTA a DSN says its Diagnostic-Code came
 * from the reporting MTA itself. A reply that refused the whole session (the
 * greeting, EHLO) is the remote server's words, so the outcome names that
 * server; a connection nobody answered names none ("MUST NOT be included if no
 * remote MTA was involved").
 */
for (const { name, stage, reply } of WHOLE_TRANSACTION_REPLIES) {
  Deno.test(`${name} names the server that said it as the DSN's Remote-MTA`, async () => {
    await withSink({ script: (at) => at === stage ? reply : undefined }, async (courier) => {
      const outcome = (await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]))
        .get("x@remote.test");
      if (outcome === undefined || outcome.kind === "delivered") throw new Error("no failure");
      assert.equal(outcome.remoteMta, "127.0.0.1", JSON.stringify(outcome));
    });
  });
}

Deno.test("a refused connection names no Remote-MTA: no server was involved", async () => {
  const courier = routedCourier(freePort());
  try {
    const outcome = (await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]))
      .get("x@remote.test");
    assert.ok(outcome?.kind === "transient", JSON.stringify(outcome));
    assert.equal(outcome.remoteMta, undefined, JSON.stringify(outcome));
  } finally {
    await courier.close();
  }
});
