/**
 * SIGKILL while the queue is delivering and bouncing: after a restart every
 * message has either reached the remote server or come back to its local
 * sender as a DSN. Duplicates are tolerated after a crash; loss is not.
 */
import assert from "node:assert/strict";
import { maildirFiles, startServer, waitUntil } from "./harness.ts";
import { sendCopies } from "./outbound_helpers.ts";
import { type SinkStage, startSink } from "./smtp_sink.ts";

const COUNT = 30;
const decoder = new TextDecoder();

Deno.test("SIGKILL amid deliveries and bounces loses no message after a restart", async () => {
  // Every other final dot is refused for good, so bounces are being queued while the kill comes.
  let dots = 0;
  const refuseEveryOther = (stage: SinkStage) =>
    stage === "dot" && dots++ % 2 === 0 ? "550 5.7.1 refused" : undefined;
  // Past the first 10, no final dot is answered until the restart: however quickly the rest
  // would go, the kill comes mid-queue, with deliveries in flight.
  const sink = await startSink({
    script: (stage) => stage === "dot" && dots >= 10 ? "silent" : refuseEveryOther(stage),
  });
  const flags = [`--route=remote.test=127.0.0.1:${sink.port}`, "--domains=example.test"];
  let server = await startServer({ flags, users: { "alice@example.test": "pw" } });
  const spoolDir = server.spoolDir;
  const subjectsIn = (texts: string[]) =>
    texts.map((text) => /Subject: out (\d+)/.exec(text)?.[1] ?? "none");
  const bounced = () =>
    subjectsIn(maildirFiles(spoolDir, "alice@example.test").map((f) => Deno.readTextFileSync(f)));
  const delivered = () => subjectsIn(sink.transactions.map((tx) => decoder.decode(tx.data)));
  try {
    await sendCopies({
      port: server.ports.smtp!,
      from: "alice@example.test",
      rcpts: ["bob@remote.test"],
      body: "Subject: out #N#\r\n\r\nhello\r\n",
      count: COUNT,
    });
    await waitUntil(() => bounced().length >= 3, 10_000, "some bounces");
    await server.kill();
    const doneAtKill = delivered().length + bounced().length;
    console.log(`  finished before the kill: ${doneAtKill} of ${COUNT}`);
    assert.ok(doneAtKill < COUNT, "the kill came mid-queue");
    sink.setScript(refuseEveryOther);
    server = await startServer({ spoolDir, flags });
    await waitUntil(
      () => [...Deno.readDirSync(`${spoolDir}/queue/msg`)].length === 0,
      20_000,
      "an empty queue",
    );
    await waitUntil(
      () => new Set([...delivered(), ...bounced()]).size >= COUNT,
      10_000,
      "every message delivered or bounced",
    );
    const seen = new Set([...delivered(), ...bounced()]);
    for (let i = 0; i < COUNT; i++) assert.ok(seen.has(String(i)), `message ${i} was lost`);
    assert.ok(!seen.has("none"), "a DSN without the original's headers");
  } finally {
    await server.stop();
    await sink.close();
  }
});
