/** An alias that forwards to another server, through the real server to a sink. */
import assert from "node:assert/strict";
import { maildirFiles, startServer, waitUntil } from "./harness.ts";
import { sendCopies } from "./outbound_helpers.ts";
import { startSink } from "./smtp_sink.ts";

Deno.test("an alias forwards with the target's local part as written and the original sender", async () => {
  const sink = await startSink();
  const server = await startServer({
    users: { "bob@example.test": "pw" },
    aliases: "team@example.test: bob@example.test, John.Smith@Remote.test\n",
    flags: [`--route=remote.test=127.0.0.1:${sink.port}`],
  });
  try {
    await sendCopies({
      port: server.ports.smtp!,
      from: "Alice@outside.test",
      rcpts: ["team@example.test"],
      body: "Subject: to the team\r\n\r\nhello\r\n",
    });
    await waitUntil(() => sink.transactions.length === 1, 10_000, "the forward at the sink");
    const tx = sink.transactions[0]!;
    // RFC 5321 2.4: the local part's case is the other server's to judge, so it is kept.
    assert.deepEqual(tx.rcpts, ["John.Smith@remote.test"]);
    // RFC 5321 3.9.1: an alias keeps the original envelope sender (bounces go back to them).
    assert.equal(tx.from, "Alice@outside.test");
    await waitUntil(() => maildirFiles(server.spoolDir, "bob@example.test").length === 1);
  } finally {
    await server.stop();
    await sink.close();
  }
});
