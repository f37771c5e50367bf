/**
 * `deno task compile`: builds dist/pillarbox with exactly the permissions the
 * server needs. `deno compile` downloads the runtime (denort) unless
 * DENORT_BIN points at one; where neither works, say so plainly.
 */
import { fileURLToPath } from "node:url";
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
  const isDownload = /denort|download|dl\.deno\.land|network|dns error|error sending request/i.test(
    stderr,
  );
  console.error(
    isDownload
      ? "\ncompile: deno compile could not download the Deno runtime (denort) for this target.\n" +
        "Set DENORT_BIN to a denort binary of the same Deno version (" + Deno.version.deno +
        ") and run `deno task compile` again, or build on a machine with internet access."
      : "\ncompile: deno compile failed (see above).",
  );
  Deno.exit(1);
}
console.log(`compile: wrote ${root}dist/pillarbox`);
