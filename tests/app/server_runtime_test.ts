import assert from "node:assert/strict";
import { PERMISSIONS, RUNTIME_FLAGS, SERVER_ENV } from "../../scripts/server_runtime.ts";

const denoJson = JSON.parse(
  await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
) as { tasks: Record<string, string> };

Deno.test("deno task start runs the server with exactly the shared runtime flags, permissions and environment", () => {
  const env = Object.entries(SERVER_ENV).map(([name, value]) => `${name}=${value}`);
  const expected = [...env, "deno", "run", ...RUNTIME_FLAGS, ...PERMISSIONS, "main.ts", "serve"];
  assert.deepEqual(denoJson.tasks.start?.split(" "), expected);
});

Deno.test("the V8 flags travel as one --v8-flags argument", () => {
  const v8 = RUNTIME_FLAGS.filter((flag) => flag.startsWith("--v8-flags="));
  assert.equal(v8.length, 1);
  assert.match(v8[0]!, /^--v8-flags=--max-semi-space-size=2,--memory-saver-mode$/);
});
