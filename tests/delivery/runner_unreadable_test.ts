/**
 * A queue file the server's user may not read (another user wrote it) is
 * one clear log line and a retry at the retry interval, not a crash with a
 * stack trace every minute.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Logger } from "../../src/log/mod.ts";
import { encodeEnvelopeLine, Spool } from "../../src/spool/mod.ts";
import { waitUntil } from "../e2e/harness.ts";
import { SlowCourier, testRunner } from "./runner_fixture.ts";

Deno.test("an unreadable queue file is logged queue.unreadable and kept for the retry interval", async () => {
  const spoolDir = makeTestDir({ prefix: "pb-unreadable-" });
  const lines: string[] = [];
  const log = new Logger({ level: "info", format: "text", sink: (line) => lines.push(line) });
  const spool = await Spool.open({ spoolDir, log, spareFiles: 0 });
  const envelope = {
    qid: "q0unreadable",
    from: "alice@example.test",
    rcpts: ["bob@far.test"],
    arrivalMs: Date.now(),
    source: "smtp" as const,
  };
  await Deno.writeFile(
    join(spool.msgDir, envelope.qid),
    new Uint8Array([
      ...encodeEnvelopeLine(envelope),
      ...new TextEncoder().encode("Subject: x\r\n\r\nb\r\n"),
    ]),
  );
  // As root the test cannot make a file unreadable: the read fails as it would for the server.
  spool.readForAttempt = () =>
    Promise.reject(new Deno.errors.PermissionDenied("Permission denied (os error 13)"));
  const asked: number[] = [];
  const retryDelayMs = (attempts: number) => {
    asked.push(attempts);
    return 30 * 60_000;
  };
  const runner = testRunner(spool, new SlowCourier(), { spoolDir, log, retryDelayMs });
  try {
    await runner.start();
    await waitUntil(
      () => lines.some((line) => line.includes("event=queue.unreadable")),
      10_000,
      "the log line",
    );
    const line = lines.find((entry) => entry.includes("event=queue.unreadable"))!;
    assert.match(line, /qid=q0unreadable .*Permission denied/);
    assert.ok(!lines.some((entry) => entry.includes("delivery.crash")), lines.join("\n"));
    assert.deepEqual(asked, [1], "the next try is at the retry interval");
    assert.ok(Deno.statSync(join(spool.msgDir, envelope.qid)).isFile, "kept");
  } finally {
    await runner.stop();
    await Deno.remove(spoolDir, { recursive: true });
  }
});
