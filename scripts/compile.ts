/**
 * `deno task compile`: builds dist/pillarbox with exactly the permissions the
 * server needs. `deno compile` downloads the runtime (denort) unless
 * DENORT_BIN points at one; where neither works, say so plainly (compile_hint.ts).
 */
import { fileURLToPath } from "node:url";
import { compileFailureHint } from "./compile_hint.ts";
import { PERMISSIONS, RUNTIME_FLAGS } from "./server_runtime.ts";

const root = fileURLToPath(new URL("../", import.meta.url));
const args = [
  "compile",
  ...RUNTIME_FLAGS,
  ...PERMISSIONS,
  "--output",
  `${root}dist/pillarbox`,
  `${root}main.ts`,
];
const result = await new Deno.Command(Deno.execPath(), { args, stdout: "inherit", stderr: "piped" })
  .output();
const stderr = new TextDecoder().decode(result.stderr);
Deno.stderr.writeSync(result.stderr);
if (!result.success) {
  const hint = compileFailureHint({
    stderr,
    denortBin: Deno.env.get("DENORT_BIN"),
    denoVersion: Deno.version.deno,
  });
  console.error(`\n${hint}`);
  Deno.exit(1);
}
console.log(`compile: wrote ${root}dist/pillarbox`);
