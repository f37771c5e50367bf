import assert from "node:assert/strict";
import { Metrics } from "../../src/http/mod.ts";

const COUNTED: [string, string][] = [
  ["msg.delivered", "pillarbox_deliveries_total"],
  ["msg.deferred", "pillarbox_deferrals_total"],
  ["msg.failed", "pillarbox_failures_total"],
  ["msg.expired", "pillarbox_expired_total"],
];

for (const [event, metric] of COUNTED) {
  Deno.test(`the ${event} log event counts as ${metric}`, async () => {
    const metrics = new Metrics();
    metrics.observe(event, {});
    metrics.observe(event, {});
    metrics.observe("smtp.command", {});
    const text = await metrics.render();
    assert.match(text, new RegExp(`^# TYPE ${metric} counter$`, "m"));
    assert.match(text, new RegExp(`^${metric} 2$`, "m"));
  });
}
