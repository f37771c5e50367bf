/** The status page and metrics, read with curl. */
import assert from "node:assert/strict";
import { maildirFiles, python, startServer, waitUntil } from "./harness.ts";

const HAS_CURL = (() => {
  try {
    return new Deno.Command("curl", { args: ["--version"], stdout: "null" }).outputSync().success;
  } catch {
    return false;
  }
})();

async function curl(args: string[]): Promise<{ status: string; body: string }> {
  const output = await new Deno.Command("curl", {
    args: ["-s", "-o", "-", "-w", "%{http_code}", ...args],
    stdout: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  return { body: text.slice(0, -3), status: text.slice(-3) };
}

Deno.test({
  name: "--http-listen serves /healthz, / and Prometheus /metrics that count real traffic",
  ignore: !HAS_CURL,
  fn: async () => {
    const server = await startServer({
      users: { "bob@example.test": "pw" },
      flags: ["--http-listen=127.0.0.1:0"],
    });
    try {
      const base = `http://127.0.0.1:${server.ports.http}`;
      assert.deepEqual(await curl([`${base}/healthz`]), { body: "ok\n", status: "200" });
      await python(
        `
import smtplib, sys
with smtplib.SMTP("127.0.0.1", int(sys.argv[1])) as s:
    s.sendmail("a@remote.test", ["bob@example.test"], b"Subject: m\\r\\n\\r\\nhi\\r\\n")
    try:
        s.sendmail("a@remote.test", ["nobody@example.test"], b"Subject: m\\r\\n\\r\\nhi\\r\\n")
    except smtplib.SMTPRecipientsRefused:
        pass
`,
        [server.ports.smtp!],
      );
      await waitUntil(() => maildirFiles(server.spoolDir, "bob@example.test").length === 1);
      const metrics = await curl([`${base}/metrics`]);
      assert.equal(metrics.status, "200");
      assert.match(metrics.body, /^# TYPE pillarbox_messages_accepted_total counter$/m);
      assert.match(metrics.body, /^pillarbox_messages_accepted_total 1$/m);
      assert.match(metrics.body, /^pillarbox_deliveries_total 1$/m);
      assert.match(metrics.body, /^pillarbox_recipients_refused_total 1$/m);
      assert.match(metrics.body, /^pillarbox_open_connections\{listener="smtp"\} \d+$/m);
      assert.match(metrics.body, /^pillarbox_queue_messages 0$/m);
      assert.match(metrics.body, /^pillarbox_resident_memory_bytes [1-9]\d+$/m);
      const page = await curl([`${base}/`]);
      assert.match(page.body, /^Pillarbox \S+ on mx\.test$/m);
      assert.match(page.body, /accepted 1 messages, delivered 1 recipients/);
      assert.equal((await curl([`${base}/nope`])).status, "404");
      assert.equal((await curl(["-X", "POST", `${base}/metrics`])).status, "405");
    } finally {
      await server.stop();
    }
  },
});
