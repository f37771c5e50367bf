/** The remote courier and SMTP client in-process, against scriptable sinks. */
import assert from "node:assert/strict";
import { type SinkOptions, startSink } from "../e2e/smtp_sink.ts";
import { MESSAGE, queued, withSink } from "./remote_courier_helpers.ts";

Deno.test("a routed message arrives byte-exact with every recipient delivered", async () => {
  await withSink({}, async (courier, sink) => {
    const outcomes = await courier.deliver(queued(MESSAGE, ["a@remote.test", "b@remote.test"]), [
      "a@remote.test",
      "b@remote.test",
    ]);
    assert.deepEqual([...outcomes.values()].map((o) => o.kind), ["delivered", "delivered"]);
    assert.equal(sink.transactions.length, 1);
    assert.deepEqual(sink.transactions[0]!.rcpts, ["a@remote.test", "b@remote.test"]);
    assert.equal(new TextDecoder().decode(sink.transactions[0]!.data), MESSAGE);
  });
});

Deno.test("one refused RCPT does not fail the other recipients", async () => {
  const script: SinkOptions["script"] = (stage, arg) =>
    stage === "rcpt" && arg.startsWith("bad")
      ? "550 5.1.1 No such user"
      : stage === "rcpt" && arg.startsWith("busy")
      ? "452 4.2.2 Mailbox full"
      : undefined;
  for (const pipelining of [true, false]) {
    await withSink({ pipelining, script }, async (courier, sink) => {
      const rcpts = ["bad@remote.test", "good@remote.test", "busy@remote.test"];
      const outcomes = await courier.deliver(queued(MESSAGE, rcpts), rcpts);
      assert.equal(outcomes.get("good@remote.test")?.kind, "delivered");
      const bad = outcomes.get("bad@remote.test");
      assert.equal(bad?.kind, "permanent");
      assert.ok(
        bad?.kind === "permanent" && bad.status === "5.1.1" && /No such user/.test(bad.reason),
      );
      assert.equal(outcomes.get("busy@remote.test")?.kind, "transient");
      assert.deepEqual(sink.transactions[0]!.rcpts, ["good@remote.test"]);
      const commands = sink.commands[0]!.join("\n");
      assert.ok(commands.includes("EHLO out.test"));
    });
  }
});

const FAILURES: {
  name: string;
  options: SinkOptions;
  kind: "transient" | "permanent";
  status?: RegExp;
  reason: RegExp;
}[] = [
  {
    name: "a 421 greeting is transient",
    options: { script: (s) => s === "greeting" ? "421 4.3.2 busy" : undefined },
    kind: "transient",
    reason: /421/,
  },
  {
    name: "a 554 greeting is permanent",
    options: { script: (s) => s === "greeting" ? "554 5.7.1 go away" : undefined },
    kind: "permanent",
    status: /^5\.7\.1$/,
    reason: /go away/,
  },
  {
    name: "a drop after DATA is transient",
    options: { script: (s) => s === "dot" ? "drop" : undefined },
    kind: "transient",
    reason: /closed the connection/,
  },
  {
    name: "a truncated reply is transient",
    options: { script: (s) => s === "mail" ? "25" : undefined },
    kind: "transient",
    reason: /Malformed/,
  },
  {
    name: "a reply whose code changes mid-reply is transient",
    options: { script: (s) => s === "mail" ? "250-a\n251 b" : undefined },
    kind: "transient",
    reason: /changed/,
  },
  {
    name: "a silent server times out (transient)",
    options: { script: (s) => s === "mail" ? "silent" : undefined },
    kind: "transient",
    reason: /no reply within/,
  },
  {
    name: "a 421 to MAIL is transient",
    options: { script: (s) => s === "mail" ? "421 4.4.2 closing" : undefined },
    kind: "transient",
    reason: /421/,
  },
  {
    name: "a 550 to MAIL is permanent",
    options: { script: (s) => s === "mail" ? "550 5.7.1 sender refused" : undefined },
    kind: "permanent",
    reason: /sender refused/,
  },
  {
    name: "a 452 to the final dot is transient",
    options: { script: (s) => s === "dot" ? "452 4.3.1 disk full" : undefined },
    kind: "transient",
    status: /^4\.3\.1$/,
    reason: /disk full/,
  },
  {
    name: "a 554 to the final dot is permanent",
    options: { script: (s) => s === "dot" ? "554 5.6.0 content refused" : undefined },
    kind: "permanent",
    reason: /content refused/,
  },
  {
    name: "a message over the server's SIZE is refused before MAIL with 5.3.4",
    options: { sizeBytes: 10 },
    kind: "permanent",
    status: /^5\.3\.4$/,
    reason: /SIZE/,
  },
];
for (const { name, options, kind, status, reason } of FAILURES) {
  Deno.test(`remote courier: ${name}`, async () => {
    await withSink(options, async (courier) => {
      const outcome = (await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]))
        .get("x@remote.test")!;
      if (outcome.kind === "delivered") throw new Error("expected a failure");
      assert.equal(outcome.kind, kind, JSON.stringify(outcome));
      assert.match(outcome.reason, reason);
      if (status) assert.match(outcome.status, status);
    });
  });
}

Deno.test("the SIZE refusal sends no MAIL command", async () => {
  await withSink({ sizeBytes: 10 }, async (courier, sink) => {
    await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]);
    assert.ok(!sink.commands.flat().some((c) => c.startsWith("MAIL")));
  });
});

Deno.test("a refused connection is transient", async () => {
  const sink = await startSink();
  const port = sink.port;
  await sink.close();
  await withSink({}, async (courier) => {
    const outcome = (await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]))
      .get("x@remote.test")!;
    assert.equal(outcome.kind, "transient");
  }, { routes: [{ domain: "remote.test", hostname: "127.0.0.1", port }] });
});

Deno.test("EHLO refused with 500 falls back to HELO", async () => {
  await withSink(
    { script: (s) => s === "ehlo" ? "500 5.5.1 what?" : undefined },
    async (courier, sink) => {
      const outcome = (await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]))
        .get("x@remote.test");
      assert.equal(outcome?.kind, "delivered");
      assert.ok(sink.commands[0]!.includes("HELO out.test"));
      assert.ok(
        sink.commands[0]!.some((c) => c === "MAIL FROM:<alice@example.test>"),
        "no SIZE without EHLO",
      );
    },
  );
});

Deno.test("a message needing SMTPUTF8 fails with 5.6.7 where it is not offered", async () => {
  const rcpt = "j\u00fcrgen@remote.test";
  await withSink({}, async (courier, sink) => {
    const message = queued(MESSAGE, [rcpt], { isSmtputf8: true });
    const outcome = (await courier.deliver(message, [rcpt])).get(rcpt)!;
    assert.equal(outcome.kind, "permanent");
    assert.ok(outcome.kind === "permanent" && outcome.status === "5.6.7");
    assert.equal(sink.transactions.length, 0);
  });
  await withSink({ smtputf8: true }, async (courier, sink) => {
    const message = queued(MESSAGE, [rcpt], { isSmtputf8: true });
    assert.equal((await courier.deliver(message, [rcpt])).get(rcpt)?.kind, "delivered");
    assert.match(sink.transactions[0]!.mailParams, /SMTPUTF8/);
    assert.deepEqual(sink.transactions[0]!.rcpts, [rcpt]);
  });
});

Deno.test("a message flagged SMTPUTF8 that is all ASCII goes without the parameter, to a peer with SMTPUTF8 or without", async () => {
  // RFC 6531 3.4: a client that knows neither envelope nor message needs SMTPUTF8
  // SHOULD NOT supply the parameter.
  for (const smtputf8 of [false, true]) {
    await withSink({ smtputf8 }, async (courier, sink) => {
      const message = queued(MESSAGE, ["x@remote.test"], { isSmtputf8: true });
      assert.equal(
        (await courier.deliver(message, ["x@remote.test"])).get("x@remote.test")?.kind,
        "delivered",
      );
      assert.doesNotMatch(
        sink.transactions[0]!.mailParams,
        /SMTPUTF8/,
        `peer smtputf8=${smtputf8}`,
      );
    });
  }
});

Deno.test("8-bit goes as BODY=8BITMIME where offered and as 7-bit quoted-printable where not", async () => {
  const body = "Content-Type: text/plain; charset=utf-8\r\n\r\ncafé\r\n";
  await withSink({}, async (courier, sink) => {
    await courier.deliver(queued(body, ["x@remote.test"]), ["x@remote.test"]);
    assert.match(sink.transactions[0]!.mailParams, /BODY=8BITMIME/);
    assert.equal(new TextDecoder().decode(sink.transactions[0]!.data), body);
  });
  await withSink({ eightBitMime: false }, async (courier, sink) => {
    await courier.deliver(queued(body, ["x@remote.test"]), ["x@remote.test"]);
    assert.doesNotMatch(sink.transactions[0]!.mailParams, /BODY/);
    const data = sink.transactions[0]!.data;
    assert.ok(data.every((b) => b < 128));
    assert.match(
      new TextDecoder().decode(data),
      /Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9\r\n$/,
    );
  });
});

Deno.test("8-bit content that cannot be made 7-bit for a peer without 8BITMIME fails 5.6.3, not 5.6.7", async () => {
  // Raw 8-bit under a transfer encoding that claims 7-bit text: nothing to re-encode it with.
  const body =
    "Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nAA\u00e9\r\n";
  await withSink({ eightBitMime: false }, async (courier, sink) => {
    const outcome = (await courier.deliver(queued(body, ["x@remote.test"]), ["x@remote.test"]))
      .get("x@remote.test")!;
    assert.equal(outcome.kind, "permanent");
    // RFC 3463 X.6.3 "conversion required but not supported"; X.6.7 is for non-ASCII addresses.
    assert.ok(outcome.kind === "permanent" && outcome.status === "5.6.3", JSON.stringify(outcome));
    assert.equal(sink.transactions.length, 0);
  });
});

Deno.test("20 messages to one domain share at most 3 connections, MAIL following the final dot", async () => {
  await withSink({}, async (courier, sink) => {
    const results = await Promise.all(
      Array.from(
        { length: 20 },
        (_, i) =>
          courier.deliver(queued(`Subject: ${i}\r\n\r\nbody\r\n`, ["x@remote.test"]), [
            "x@remote.test",
          ]),
      ),
    );
    assert.ok(results.every((r) => r.get("x@remote.test")?.kind === "delivered"));
    assert.equal(sink.transactions.length, 20);
    assert.ok(sink.connections() <= 3, `connections: ${sink.connections()}`);
    // A completed transaction needs no RSET (RFC 5321 4.1.1.4): one round trip saved per message.
    assert.equal(sink.commands.flat().filter((c) => c === "RSET").length, 0);
  });
});

Deno.test("a transaction that ended before DATA is followed by RSET on the reused connection", async () => {
  await withSink({
    script: (stage, arg) =>
      stage === "rcpt" && arg.includes("nobody@") ? "550 5.1.1 No such user" : undefined,
  }, async (courier, sink) => {
    const refused = await courier.deliver(queued(MESSAGE, ["nobody@remote.test"]), [
      "nobody@remote.test",
    ]);
    const accepted = await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]);
    assert.equal(refused.get("nobody@remote.test")?.kind, "permanent");
    assert.equal(accepted.get("x@remote.test")?.kind, "delivered");
    assert.equal(sink.connections(), 1);
    const verbs = sink.commands[0]!.map((c) => c.split(/[ :]/)[0]);
    // Pipelined: MAIL, RCPT and DATA went out together; DATA was refused, so RSET before the next MAIL.
    assert.deepEqual(verbs.slice(verbs.indexOf("RSET") - 2, verbs.indexOf("RSET") + 2), [
      "RCPT",
      "DATA",
      "RSET",
      "MAIL",
    ]);
  });
});

Deno.test("a pooled connection the server closed is replaced without a failure", async () => {
  await withSink({
    script: (stage, _arg, state) =>
      stage === "mail" && state.tx === 1 && state.connection === 0 ? "drop" : undefined,
  }, async (courier, sink) => {
    const first = await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]);
    const second = await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]);
    assert.equal(first.get("x@remote.test")?.kind, "delivered");
    assert.equal(second.get("x@remote.test")?.kind, "delivered");
    assert.equal(sink.connections(), 2);
  });
});

Deno.test("a reused connection dropped after the final dot is not tried again at once (RFC 5321 6.1)", async () => {
  await withSink({
    // The second message's data arrives whole, then the line goes without an answer: the
    // server may have taken it, so a second copy at once would be a duplicate.
    script: (stage, _arg, state) =>
      stage === "dot" && state.tx === 1 && state.connection === 0 ? "drop" : undefined,
  }, async (courier, sink) => {
    const first = await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]);
    const second = await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]);
    assert.equal(first.get("x@remote.test")?.kind, "delivered");
    assert.equal(second.get("x@remote.test")?.kind, "transient");
    assert.equal(sink.connections(), 1);
    assert.equal(sink.commands.flat().filter((line) => line === "DATA").length, 2);
  });
});

Deno.test("a pooled connection the server said 421 on while idle is replaced, not read as the next reply", async () => {
  await withSink({
    // In the same write as the 250 that ends the first message: a 421 and the close, so it
    // is in the client's buffer when the connection goes back to the pool.
    script: (stage, _arg, state) =>
      stage === "dot" && state.connection === 0
        ? "250 2.0.0 queued\r\n421 4.4.2 idle too long, closing"
        : undefined,
  }, async (courier, sink) => {
    const first = await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]);
    const second = await courier.deliver(queued(MESSAGE, ["y@remote.test"]), ["y@remote.test"]);
    assert.equal(first.get("x@remote.test")?.kind, "delivered");
    assert.deepEqual(second.get("y@remote.test"), { kind: "delivered", remoteMta: "127.0.0.1" });
    assert.equal(sink.connections(), 2);
  });
});

Deno.test("a pooled connection idle for longer than the reply timeout carries the next message", async () => {
  // --remote-smtp-timeout below the pool's 5 s idle time: the connection waits in the pool
  // longer than any reply wait, which must not count as the server being silent.
  const shortWait = {
    connectMs: 300,
    greetingMs: 300,
    mailMs: 300,
    rcptMs: 300,
    dataInitMs: 300,
    dataBlockMs: 300,
    finalDotMs: 300,
  };
  await withSink({}, async (courier, sink) => {
    const first = await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]);
    await new Promise((resolve) => setTimeout(resolve, 700)); // idle in the pool, past 300 ms
    const second = await courier.deliver(queued(MESSAGE, ["y@remote.test"]), ["y@remote.test"]);
    assert.equal(first.get("x@remote.test")?.kind, "delivered");
    assert.deepEqual(second.get("y@remote.test"), { kind: "delivered", remoteMta: "127.0.0.1" });
    assert.equal(sink.transactions.length, 2);
  }, { timeouts: shortWait });
});
