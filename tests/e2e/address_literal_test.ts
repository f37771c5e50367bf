/**
 * Mail to an address literal goes to that address (RFC 5321 4.1.3), read as
 * the grammar says: each Snum of an IPv4 literal is a decimal number of up to
 * three digits, so [127.0.0.010] is 127.0.0.10, never 127.0.0.8 (octal, as
 * the system resolver reads a leading zero).
 */
import assert from "node:assert/strict";
import { startServer, waitUntil } from "./harness.ts";
import { sendWithSmtplib } from "./smtplib_send.ts";
import { startSink } from "./smtp_sink.ts";

Deno.test("mail to x@[127.0.0.010] is delivered to 127.0.0.10, not to 127.0.0.8", async () => {
  const decimal = await startSink({ listenAddress: "127.0.0.10" });
  const octal = await startSink({ listenAddress: "127.0.0.8" }, decimal.port);
  const server = await startServer({ flags: [`--remote-smtp-port=${decimal.port}`] });
  try {
    await sendWithSmtplib({
      port: server.ports.smtp!,
      from: "alice@example.test",
      rcpts: ["bob@[127.0.0.010]"],
      messages: ["From: alice@example.test\r\nSubject: literal\r\n\r\nhi\r\n"],
    });
    await server.waitForLog(/event=msg\.(delivered|deferred|failed) .*rcpt=bob@/);
    await waitUntil(() => decimal.transactions.length + octal.transactions.length > 0);
    assert.deepEqual(octal.transactions.map((tx) => tx.rcpts), []);
    assert.deepEqual(decimal.transactions.map((tx) => tx.rcpts), [["bob@[127.0.0.010]"]]);
  } finally {
    await server.stop();
    await decimal.close();
    await octal.close();
  }
});
