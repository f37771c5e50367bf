/**
 * A damaged queue file is set aside once with its reason, never retried in a
 * loop; a damaged state file is said in the log and costs no recipient.
 */
import assert from "node:assert/strict";
import { maildirFiles, runCli, startServer, tempDir, waitUntil } from "./harness.ts";
import { sendWithSmtplib } from "./smtplib_send.ts";
import { startSink } from "./smtp_sink.ts";

Deno.test("a queue file that cannot be read goes to failed/ with a reason, and the server goes on", async () => {
  const spoolDir = tempDir();
  await Deno.mkdir(`${spoolDir}/queue/msg`, { recursive: true });
  await Deno.writeTextFile(
    `${spoolDir}/queue/msg/broken1`,
    "PBQ1 {not json\nSubject: x\r\n\r\nbody\r\n",
  );
  const server = await startServer({ spoolDir });
  try {
    const line = await server.waitForLog(/event=queue\.damaged .*qid=broken1/);
    assert.match(line, /level=error/);
    assert.match(await Deno.readTextFile(`${spoolDir}/failed/broken1.reason`), /damaged.*not JSON/);
    assert.match(
      await Deno.readTextFile(`${spoolDir}/failed/broken1`),
      /^PBQ1 \{not json\n/,
      "kept as it was",
    );
    assert.deepEqual([...Deno.readDirSync(`${spoolDir}/queue/msg`)], [], "gone from the queue");
  } finally {
    await server.stop();
  }
});

Deno.test("a damaged state file is logged and its message still delivered, not dropped", async () => {
  const spoolDir = tempDir();
  const sink = await startSink();
  const flags = [`--spool-dir=${spoolDir}`, "--domains=example.test", "--hostname=mx.test"];
  const sent = await runCli(["sendmail", "-f", "a@example.test", "b@remote.test", ...flags], {
    stdin: "Subject: state damaged\n\nbody\n",
  });
  assert.equal(sent.code, 0, sent.stderr);
  const [qid] = [...Deno.readDirSync(`${spoolDir}/queue/msg`)].map((entry) => entry.name);
  await Deno.mkdir(`${spoolDir}/queue/state`, { recursive: true });
  // A recipient entry no version of the server writes: its status is no status.
  await Deno.writeTextFile(
    `${spoolDir}/queue/state/${qid}`,
    JSON.stringify({
      rcpts: { "b@remote.test": { status: "sent", attempts: 1 } },
      nextAttemptMs: 0,
    }),
  );
  const server = await startServer({
    spoolDir,
    flags: [`--route=remote.test=127.0.0.1:${sink.port}`],
  });
  try {
    const line = await server.waitForLog(/event=queue\.state_damaged /);
    assert.match(line, new RegExp(`level=error .*qid=${qid}`));
    await waitUntil(() => sink.transactions.length === 1, 10_000, "the message delivered");
    assert.deepEqual(sink.transactions[0]!.rcpts, ["b@remote.test"]);
  } finally {
    await server.stop();
    await sink.close();
  }
});

Deno.test("queue list names a damaged queue file on stderr instead of leaving it out unseen", async () => {
  const spoolDir = tempDir();
  const flags = [`--spool-dir=${spoolDir}`, "--domains=example.test", "--hostname=mx.test"];
  const sent = await runCli(["sendmail", "-f", "a@example.test", "b@remote.test", ...flags], {
    stdin: "Subject: fine\n\nbody\n",
  });
  assert.equal(sent.code, 0, sent.stderr);
  await Deno.writeTextFile(`${spoolDir}/queue/msg/broken2`, 'PBQ1 {"qid":"broken2","fr');
  for (const format of [[], ["--json"]]) {
    const listed = await runCli(["queue", "list", ...format, ...flags]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stderr, /broken2: damaged queue file/);
    assert.doesNotMatch(listed.stdout, /broken2/);
  }
  const text = await runCli(["queue", "list", ...flags]);
  assert.match(text.stdout, /^1 message in the queue$/m);
});

Deno.test("one damaged mailbox (a file where its tmp/ belongs) does not keep the server from starting", async () => {
  const spoolDir = tempDir();
  const carolDir = `${spoolDir}/mail/example.test/carol`;
  await Deno.mkdir(carolDir, { recursive: true });
  await Deno.writeTextFile(`${carolDir}/tmp`, "not a folder\n");
  const server = await startServer({ spoolDir, users: { "bob@example.test": "pw" } });
  try {
    await sendWithSmtplib({
      port: server.ports.smtp!,
      from: "alice@remote.test",
      rcpts: ["bob@example.test"],
      messages: ["Subject: hi\r\n\r\nbody\r\n"],
    });
    await waitUntil(
      () => maildirFiles(spoolDir, "bob@example.test").length === 1,
      10_000,
      "bob's mail",
    );
    assert.equal(
      await Deno.readTextFile(`${carolDir}/tmp`),
      "not a folder\n",
      "left for the administrator",
    );
  } finally {
    await server.stop();
  }
});
