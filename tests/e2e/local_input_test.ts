/** Pickup and sendmail input rules: mail loops refused, an mbox "From " line skipped. */
import assert from "node:assert/strict";
import { maildirFiles, runCli, startServer, waitUntil } from "./harness.ts";
import { exists } from "../path_exists.ts";

const LOOPED =
  "Received: from relay.test ([127.0.0.2]) by mx.test; Wed, 6 May 2026 07:08:09 +0000\n"
    .repeat(101);

Deno.test("pickup and sendmail refuse a looping message and skip a leading mbox From line", async () => {
  const server = await startServer({ users: { "bob@example.test": "pw" } });
  const pickup = `${server.spoolDir}/pickup`;
  const rejected = `${server.spoolDir}/pickup-rejected`;
  const flags = [`--spool-dir=${server.spoolDir}`, "--domains=example.test"];
  try {
    await Deno.writeTextFile(
      `${pickup}/loop`,
      `${LOOPED}From: a@example.test\nTo: bob@example.test\n\nround and round\n`,
    );
    await Deno.writeTextFile(
      `${pickup}/mbox`,
      "From a@example.test Wed May  6 07:08:09 2026\nFrom: a@example.test\n" +
        "To: bob@example.test\nSubject: from pickup\n\nmbox body\n",
    );
    await waitUntil(() => exists(`${rejected}/loop.reason`), 10_000, "loop moved aside");
    assert.match(
      await Deno.readTextFile(`${rejected}/loop.reason`),
      /Too many Received headers \(101\): mail loop/,
    );
    await waitUntil(() => maildirFiles(server.spoolDir, "bob@example.test").length === 1);

    const looped = await runCli(["sendmail", "-t", ...flags], {
      stdin: `${LOOPED}From: a@example.test\nTo: bob@example.test\n\nagain\n`,
    });
    assert.equal(looped.code, 65, looped.stderr);
    assert.match(looped.stderr, /mail loop/);
    const mbox = await runCli(["sendmail", "-t", ...flags], {
      stdin: "From a@example.test Wed May  6 07:08:09 2026\nFrom: a@example.test\n" +
        "To: bob@example.test\nSubject: from sendmail\n\nmbox body\n",
    });
    assert.equal(mbox.code, 0, mbox.stderr);
    await waitUntil(() => maildirFiles(server.spoolDir, "bob@example.test").length === 2);
    for (const file of maildirFiles(server.spoolDir, "bob@example.test")) {
      const text = await Deno.readTextFile(file);
      assert.doesNotMatch(text, /^From [^:]*\r\n/m, "no envelope line in the stored message");
      assert.match(text, /\r\nFrom: a@example\.test\r\nTo: bob@example\.test\r\nSubject: from /);
      assert.ok(text.endsWith("\r\n\r\nmbox body\r\n"));
      assert.doesNotMatch(text, /round and round|again/);
    }
  } finally {
    await server.stop();
  }
});

Deno.test("a resent message dropped in pickup goes to its Resent-To, not to its original To again", async () => {
  const users = { "bob@example.test": "pw", "dave@example.test": "pw" };
  const server = await startServer({ users });
  try {
    await Deno.writeTextFile(
      `${server.spoolDir}/pickup/resent`,
      "Resent-From: carol@example.test\nResent-To: dave@example.test\n" +
        "From: alice@example.test\nTo: bob@example.test\nSubject: have a look\n\nbody\n",
    );
    await server.waitForLog(
      /event=msg\.queued .*source=pickup file=resent from=carol@example\.test rcpts=1 /,
    );
    await waitUntil(() => maildirFiles(server.spoolDir, "dave@example.test").length === 1);
    await waitUntil(() => [...Deno.readDirSync(`${server.spoolDir}/queue/msg`)].length === 0);
    assert.equal(maildirFiles(server.spoolDir, "bob@example.test").length, 0);
    const text = await Deno.readTextFile(maildirFiles(server.spoolDir, "dave@example.test")[0]!);
    assert.match(text, /^Return-Path: <carol@example\.test>\r\n/);
  } finally {
    await server.stop();
  }
});
