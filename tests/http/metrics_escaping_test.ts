/**
 * Label values and help text in the exposition are escaped (Prometheus text
 * format 0.0.4): a backslash, a double quote or a line feed in a label value,
 * a backslash or a line feed in HELP. No client text reaches a label today
 * (the only one is the listener's fixed name), but a gauge may carry any.
 */
import assert from "node:assert/strict";
import { Metrics } from "../../src/http/mod.ts";

const AWKWARD = 'a\\b "quoted"\nsecond line';

async function rendered(): Promise<string> {
  const metrics = new Metrics();
  metrics.addGauge({
    name: "pillarbox_test_gauge",
    help: "Help with a \\ and\na line feed",
    labels: { listener: AWKWARD },
    read: () => 3,
  });
  return await metrics.render();
}

Deno.test("a label value's backslash, quote and line feed are escaped in /metrics", async () => {
  assert.match(
    await rendered(),
    /^pillarbox_test_gauge\{listener="a\\\\b \\"quoted\\"\\nsecond line"\} 3$/m,
  );
});

Deno.test("a HELP text's backslash and line feed are escaped in /metrics", async () => {
  assert.match(
    await rendered(),
    /^# HELP pillarbox_test_gauge Help with a \\\\ and\\na line feed$/m,
  );
});

/** A python3 that has prometheus_client (Debian: python3-prometheus-client), or null. */
const PARSER_PYTHON = ["python3", "/usr/bin/python3"].find((program) => {
  try {
    return new Deno.Command(program, {
      args: ["-c", "import prometheus_client.parser"],
      stdout: "null",
      stderr: "null",
    }).outputSync().success;
  } catch {
    return false;
  }
}) ?? null;

Deno.test({
  name: "prometheus_client's parser reads the awkward label value back as it was",
  ignore: PARSER_PYTHON === null,
  fn: async () => {
    const output = await new Deno.Command(PARSER_PYTHON!, {
      args: [
        "-c",
        `
import json, sys
from prometheus_client.parser import text_string_to_metric_families
families = {f.name: f for f in text_string_to_metric_families(sys.stdin.read())}
family = families["pillarbox_test_gauge"]
print(json.dumps({"help": family.documentation, "labels": [s.labels for s in family.samples]}))
`,
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = output.stdin.getWriter();
    await writer.write(new TextEncoder().encode(await rendered()));
    await writer.close();
    const result = await output.output();
    const stderr = new TextDecoder().decode(result.stderr);
    assert.ok(result.success, stderr);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(result.stdout)), {
      help: "Help with a \\ and\na line feed",
      labels: [{ listener: AWKWARD }],
    });
  },
});
