/**
 * A log reader that stops reading (a paused pager, a stuck `| logger`, a
 * container's log shipper) must not stop the mail: the server keeps taking
 * messages while its stderr pipe is full, and the lines come out once the
 * reader reads again.
 */
import assert from "node:assert/strict";
import { python, serveArgs, SERVER_ENV, smtpOnlyFlags, tempDir } from "./harness.ts";

const MESSAGES = 100; // at debug level ~140 KB of log: twice what the pipe holds

Deno.test("the server keeps taking mail while nobody reads its log, and the lines come out after", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: serveArgs([
      ...smtpOnlyFlags(tempDir()),
      "--dns-server=127.0.0.1:9",
      "--spare-files=16",
      "--log-level=debug",
    ]),
    stdin: "null",
    stdout: "null",
    stderr: "piped",
    env: { ...SERVER_ENV, NO_COLOR: "1" },
  }).spawn();
  // Generous: this only stops a server stuck on its log from hanging the suite.
  const deadline = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const reader = child.stderr.getReader();
  const decoder = new TextDecoder();
  let log = "";
  const readUntil = async (pattern: RegExp) => {
    while (!pattern.test(log)) {
      const { value, done } = await reader.read();
      if (done) return;
      log += decoder.decode(value, { stream: true });
    }
  };
  try {
    await readUntil(/event=server\.ready/);
    const port = /event=listen proto=smtp .*?port=(\d+)/.exec(log)?.[1];
    assert.ok(port, log);
    // From here on nobody reads stderr until every message is in.
    const sent = await python(
      `
import smtplib, sys
for i in range(int(sys.argv[2])):
    with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=30) as s:
        s.sendmail("a@remote.test", ["x@remote.test"], b"Subject: m\\r\\n\\r\\nhi\\r\\n")
print("sent", i + 1)
`,
      [port, MESSAGES],
    );
    assert.equal(sent, `sent ${MESSAGES}\n`);
    child.kill("SIGTERM");
    await readUntil(/event=server\.stopped/);
    const queued = log.split("\n").filter((line) => line.includes(" event=msg.queued "));
    assert.equal(queued.length, MESSAGES);
    assert.doesNotMatch(log, /event=log\.dropped/);
  } finally {
    clearTimeout(deadline);
    try {
      child.kill("SIGKILL");
    } catch { /* already ended */ }
    await child.status;
    await reader.cancel();
  }
});
