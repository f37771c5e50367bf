/**
 * A destination that is down is not hammered: once a connection to it has
 * failed, the other messages queued for it wait for their next retry instead
 * of each opening a connection of its own (RFC 5321 4.5.4.1: "The sender
 * MUST delay retrying a particular destination after one attempt has
 * failed"). A backlog of thousands for a dead host would otherwise make
 * thousands of connections in a burst, and, where each connect times out,
 * keep the domain's messages waiting far past their queue lifetime.
 */
import assert from "node:assert/strict";
import { runCli, startServer, waitUntil } from "./harness.ts";
import { sendCopies } from "./outbound_helpers.ts";
import { startSink } from "./smtp_sink.ts";

const MESSAGE = "From: alice@example.test\r\nTo: bob@remote.test\r\nSubject: #N#\r\n\r\nhi\r\n";

function deferrals(log: string): number {
  return (log.match(/event=msg\.deferred /g) ?? []).length;
}

/** A server routing remote.test to a sink that greets with 421, and `count` messages queued for it. */
async function startWithHopDown(count: number) {
  const sink = await startSink({
    script: (stage) => stage === "greeting" ? "421 4.3.2 down for maintenance" : undefined,
  });
  const server = await startServer({ flags: [`--route=remote.test=127.0.0.1:${sink.port}`] });
  try {
    await sendCopies({
      port: server.ports.smtp!,
      from: "alice@example.test",
      rcpts: ["bob@remote.test"],
      body: MESSAGE,
      count,
    });
  } catch (error) {
    await server.stop();
    await sink.close();
    throw error;
  }
  return { sink, server };
}

Deno.test("after a connection to a hop fails, other messages for it are deferred without connecting", async () => {
  const { sink, server } = await startWithHopDown(20);
  try {
    await waitUntil(() => deferrals(server.log()) === 20, 15_000, "20 deferrals");
    // The pool opens at most 3 connections to a hop at once: those may all be under way
    // before the first failure is known. None after it.
    assert.ok(sink.connections() <= 3, `${sink.connections()} connections to a hop that is down`);
    const lines = server.log().split("\n").filter((line) => /event=msg\.deferred /.test(line));
    for (const line of lines) {
      assert.match(line, /status=4\.3\.2 .*421 4\.3\.2 down for maintenance/);
    }
  } finally {
    await server.stop();
    await sink.close();
  }
});

Deno.test("queue retry --all ends a hop's rest: its messages are tried at once", async () => {
  const { sink, server } = await startWithHopDown(2);
  try {
    await waitUntil(() => deferrals(server.log()) === 2, 10_000, "2 deferrals");
    sink.setScript(undefined);
    // The next attempts are a minute away (--retry-min), and so is the end of the rest.
    const retried = await runCli(["queue", "retry", "--all", `--spool-dir=${server.spoolDir}`]);
    assert.equal(retried.code, 0, retried.stderr);
    await waitUntil(() => sink.transactions.length === 2, 10_000, "both delivered");
  } finally {
    await server.stop();
    await sink.close();
  }
});
