/**
 * Edges of the client's decisions that a slip of one comparison would move:
 * the SIZE limit itself, a 552 to DATA, no DATA without a recipient, and a
 * 421 whose connection the server has not closed yet.
 */
import assert from "node:assert/strict";
import { MESSAGE, queued, routedCourier, withSink } from "./remote_courier_helpers.ts";
import { startLineServer } from "./line_server.ts";

Deno.test("a message of exactly the server's SIZE limit goes out (RFC 1870: only a bigger one exceeds it)", async () => {
  const size = new TextEncoder().encode(MESSAGE).length;
  await withSink({ sizeBytes: size }, async (courier, sink) => {
    const outcome = (await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]))
      .get("x@remote.test");
    assert.equal(outcome?.kind, "delivered", JSON.stringify(outcome));
    assert.equal(sink.transactions.length, 1);
    assert.match(sink.transactions[0]!.mailParams, new RegExp(`SIZE=${size}\\b`));
  });
});

for (const pipelining of [true, false]) {
  const mode = pipelining ? "pipelined" : "one command at a time";

  // RFC 5321 4.5.3.1.10 makes only RCPT's 552 ("too many recipients", of RFC 821) temporary;
  // a 552 to DATA is "exceeded storage allocation" (4.2.3): the message will not fit, ever.
  Deno.test(`a 552 to DATA is permanent: only RCPT's 552 is read as 452 (${mode})`, async () => {
    await withSink({
      pipelining,
      script: (stage) => stage === "data" ? "552 5.3.4 Message too big for this system" : undefined,
    }, async (courier, sink) => {
      const outcome = (await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]))
        .get("x@remote.test");
      assert.ok(
        outcome?.kind === "permanent" && outcome.status === "5.3.4",
        JSON.stringify(outcome),
      );
      assert.equal(sink.transactions.length, 0);
    });
  });
}

Deno.test("one command at a time, no DATA follows when every RCPT was refused (RFC 5321 3.3)", async () => {
  await withSink({
    pipelining: false,
    script: (stage) => stage === "rcpt" ? "550 5.1.1 No such user" : undefined,
  }, async (courier, sink) => {
    const rcpts = ["a@remote.test", "b@remote.test"];
    const outcomes = await courier.deliver(queued(MESSAGE, rcpts), rcpts);
    assert.deepEqual([...outcomes.values()].map((o) => o.kind), ["permanent", "permanent"]);
    const commands = sink.commands.flat();
    assert.ok(!commands.includes("DATA"), commands.join(" | "));
  });
});

Deno.test("after a 421 the connection is not used again, even while the server has not closed it yet (RFC 5321 3.8)", async () => {
  // A server slow to close after its 421 (or one that does not) still answers RSET with 250:
  // the session is over all the same, and the next message must go on a new connection.
  const lines: string[] = [];
  let rcptCount = 0;
  const server = startLineServer({
    greeting: "220 line.test ESMTP",
    answer: (line) => {
      lines.push(line);
      const verb = line.split(/[ :]/)[0]!.toUpperCase();
      if (verb === "EHLO") return { reply: "250 line.test" };
      if (verb === "RCPT") {
        return { reply: rcptCount++ === 0 ? "421 4.3.2 Closing soon" : "250 2.1.5 ok" };
      }
      if (verb === "DATA") return { reply: "354 go ahead" };
      if (verb === "QUIT") return { reply: "221 bye", close: true };
      if (/^(MAIL|RSET|NOOP)$/.test(verb) || line === ".") return { reply: "250 2.0.0 ok" };
      return {};
    },
  });
  const courier = routedCourier(server.port);
  try {
    const first = await courier.deliver(queued(MESSAGE, ["a@remote.test"]), ["a@remote.test"]);
    assert.equal(first.get("a@remote.test")?.kind, "transient");
    const second = await courier.deliver(queued(MESSAGE, ["b@remote.test"]), ["b@remote.test"]);
    assert.equal(second.get("b@remote.test")?.kind, "delivered");
    assert.equal(lines.filter((line) => line.startsWith("EHLO")).length, 2, lines.join(" | "));
    const afterClosing = lines.slice(lines.indexOf("RCPT TO:<a@remote.test>") + 1);
    assert.notEqual(afterClosing[0], "RSET", lines.join(" | "));
  } finally {
    await courier.close();
    server.close();
  }
});

Deno.test("a 3xx to the final dot is no delivery: only 2xx says the message was taken (RFC 5321 4.2.1)", async () => {
  await withSink(
    { script: (stage) => stage === "dot" ? "354 and then?" : undefined },
    async (courier) => {
      const outcome = (await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]))
        .get("x@remote.test");
      assert.equal(outcome?.kind, "transient", JSON.stringify(outcome));
    },
  );
});

Deno.test("a 3xx to RCPT is no acceptance of the recipient (RFC 5321 4.3.2: RCPT succeeds with 250 or 251)", async () => {
  await withSink(
    { script: (stage) => stage === "rcpt" ? "354 out of turn" : undefined },
    async (courier, sink) => {
      const outcome = (await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]))
        .get("x@remote.test");
      assert.equal(outcome?.kind, "transient", JSON.stringify(outcome));
      assert.equal(sink.transactions.length, 0);
    },
  );
});

Deno.test("a connection whose RSET is not answered 250 is not used again (RFC 5321 4.1.1.5)", async () => {
  // Without its 250 the server's state is unknown: the next MAIL could meet a transaction
  // still open, so the next message goes on a new connection.
  const lines: string[] = [];
  const server = startLineServer({
    greeting: "220 line.test ESMTP",
    answer: (line) => {
      lines.push(line);
      const verb = line.split(/[ :]/)[0]!.toUpperCase();
      if (verb === "EHLO") return { reply: "250 line.test" };
      if (verb === "RCPT") {
        return { reply: line.includes("<a@") ? "550 5.1.1 No such user" : "250 2.1.5 ok" };
      }
      if (verb === "RSET") return { reply: "502 5.5.1 Not now" };
      if (verb === "DATA") return { reply: "354 go ahead" };
      if (verb === "QUIT") return { reply: "221 bye", close: true };
      if (verb === "MAIL" || line === ".") return { reply: "250 2.0.0 ok" };
      return {};
    },
  });
  const courier = routedCourier(server.port);
  try {
    const first = await courier.deliver(queued(MESSAGE, ["a@remote.test"]), ["a@remote.test"]);
    assert.equal(first.get("a@remote.test")?.kind, "permanent");
    const second = await courier.deliver(queued(MESSAGE, ["b@remote.test"]), ["b@remote.test"]);
    assert.equal(second.get("b@remote.test")?.kind, "delivered");
    assert.equal(lines.filter((line) => line.startsWith("EHLO")).length, 2, lines.join(" | "));
  } finally {
    await courier.close();
    server.close();
  }
});

Deno.test("101 recipients go in two transactions: 100, the number every server must take (RFC 5321 4.5.3.1.8), then 1", async () => {
  await withSink({}, async (courier, sink) => {
    const rcpts = Array.from({ length: 101 }, (_, i) => `r${i}@remote.test`);
    const outcomes = await courier.deliver(queued(MESSAGE, rcpts), rcpts);
    assert.equal([...outcomes.values()].filter((o) => o.kind === "delivered").length, 101);
    assert.deepEqual(sink.transactions.map((tx) => tx.rcpts.length), [100, 1]);
  });
});

Deno.test("an envelope address holding a line break is refused before any command, never sent as two lines", async () => {
  await withSink({}, async (courier, sink) => {
    const message = queued(MESSAGE, ["x@remote.test"], {
      from: "alice@example.test>\r\nRCPT TO:<evil@remote.test",
    });
    const outcome = (await courier.deliver(message, ["x@remote.test"])).get("x@remote.test");
    assert.ok(
      outcome?.kind === "permanent" && outcome.status === "5.1.3",
      JSON.stringify(outcome),
    );
    const commands = sink.commands.flat();
    assert.ok(!commands.some((line) => line.includes("evil")), commands.join(" | "));
  });
});
