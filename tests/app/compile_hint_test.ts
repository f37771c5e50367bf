import assert from "node:assert/strict";
import { compileFailureHint } from "../../scripts/compile_hint.ts";

// What `deno compile` 2.9.6 printed here, without internet access and with a DENORT_BIN that is not there.
const OFFLINE =
  "error: Writing deno compile executable to temporary file 'dist/pillarbox.tmp-1'\n\n" +
  "Caused by:\n    0: Setting up base binary.\n" +
  "    1: error sending request for url (https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip): " +
  "client error (Connect): dns error: failed to lookup address information: Name or service not known\n";
const MISSING_DENORT =
  "error: Writing deno compile executable to temporary file 'dist/pillarbox.tmp-2'\n\n" +
  "Caused by:\n    0: Could not find denort at '/opt/denort'\n    1: No such file or directory (os error 2)\n";

Deno.test("compileFailureHint() without DENORT_BIN and no download says to set DENORT_BIN", () => {
  const hint = compileFailureHint({ stderr: OFFLINE, denortBin: undefined, denoVersion: "2.9.6" });
  assert.match(hint, /could not download the Deno runtime \(denort\)/);
  assert.match(hint, /Set DENORT_BIN to a denort binary of the same Deno version \(2\.9\.6\)/);
});

Deno.test("compileFailureHint() with a DENORT_BIN that cannot be used names it instead of asking to set it", () => {
  const hint = compileFailureHint({
    stderr: MISSING_DENORT,
    denortBin: "/opt/denort",
    denoVersion: "2.9.6",
  });
  assert.match(hint, /DENORT_BIN="\/opt\/denort" could not be used/);
  assert.doesNotMatch(hint, /could not download/);
  assert.doesNotMatch(hint, /^Set DENORT_BIN/m);
});

Deno.test("compileFailureHint() for any other failure points at deno's own message", () => {
  const hint = compileFailureHint({
    stderr: 'error: Module not found "file:///x/main.ts".\n',
    denortBin: undefined,
    denoVersion: "2.9.6",
  });
  assert.match(hint, /deno compile failed \(see above\)/);
});
