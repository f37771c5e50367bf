/** The status server in-process, read with fetch. */
import assert from "node:assert/strict";
import { Metrics, startStatusServer } from "../../src/http/mod.ts";
import { Logger } from "../../src/log/mod.ts";

for (const path of ["/", "/metrics", "/healthz"]) {
  Deno.test(`HEAD ${path} sends the Content-Length a GET would (RFC 9110 8.6)`, async () => {
    const metrics = new Metrics();
    metrics.addGauge({ name: "pillarbox_test_gauge", help: "A gauge", read: () => 7 });
    const server = await startStatusServer({ hostname: "127.0.0.1", port: 0 }, {
      metrics,
      hostname: "mx.test",
      version: "0.0.0",
      log: new Logger({ level: "error" }),
    });
    try {
      const url = `http://127.0.0.1:${server.port}${path}`;
      const get = await fetch(url);
      const body = new Uint8Array(await get.arrayBuffer());
      const head = await fetch(url, { method: "HEAD" });
      await head.body?.cancel();
      assert.equal(head.status, 200);
      assert.equal(head.headers.get("content-type"), get.headers.get("content-type"));
      assert.equal(head.headers.get("content-length"), String(body.length));
    } finally {
      await server.close();
    }
  });
}
