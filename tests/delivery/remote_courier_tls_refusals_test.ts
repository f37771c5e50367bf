/**
 * STARTTLS that does not happen: a smarthost that must use it sends nothing
 * in plaintext, and an MX that refuses it and then closes with 421 is called
 * again without asking for it.
 */
import assert from "node:assert/strict";
import { startSink } from "../e2e/smtp_sink.ts";
import { startLineServer } from "./line_server.ts";
import { MESSAGE, plainSmarthostCourier, queued, routedCourier } from "./remote_courier_helpers.ts";

Deno.test("a smarthost that must use STARTTLS but does not offer it gets no MAIL in plaintext (4.7.5, waits)", async () => {
  const sink = await startSink({}); // no certificate: no STARTTLS in its EHLO reply
  const courier = plainSmarthostCourier({ hostname: "127.0.0.1", port: sink.port }, null, {
    smarthostTls: "starttls",
  });
  try {
    const outcome = (await courier.deliver(queued(MESSAGE, ["x@far.test"]), ["x@far.test"]))
      .get("x@far.test");
    assert.ok(
      outcome?.kind === "transient" && outcome.status === "4.7.5",
      JSON.stringify(outcome),
    );
    const commands = sink.commands.flat();
    assert.ok(!commands.some((line) => line.startsWith("MAIL")), commands.join(" | "));
    assert.equal(sink.transactions.length, 0);
  } finally {
    await courier.close();
    await sink.close();
  }
});

Deno.test("an MX that refuses STARTTLS and answers the NOOP after it with 421 is called again in plaintext (RFC 3207 4, RFC 5321 3.8)", async () => {
  const lines: string[] = [];
  const server = startLineServer({
    greeting: "220 line.test ESMTP",
    answer: (line) => {
      lines.push(line);
      const verb = line.split(/[ :]/)[0]!.toUpperCase();
      if (verb === "EHLO") return { reply: "250-line.test\n250 STARTTLS" };
      if (verb === "STARTTLS") return { reply: "454 4.7.0 TLS not available" };
      if (verb === "NOOP") return { reply: "421 4.3.2 Closing", close: true };
      if (verb === "DATA") return { reply: "354 go ahead" };
      if (verb === "QUIT") return { reply: "221 bye", close: true };
      if (/^(MAIL|RCPT|RSET)$/.test(verb) || line === ".") return { reply: "250 2.0.0 ok" };
      return {};
    },
  });
  const courier = routedCourier(server.port);
  try {
    const outcome = (await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]))
      .get("x@remote.test");
    assert.equal(outcome?.kind, "delivered", JSON.stringify(outcome) + " " + lines.join(" | "));
    assert.equal(lines.filter((line) => line === "STARTTLS").length, 1, lines.join(" | "));
  } finally {
    await courier.close();
    server.close();
  }
});
