/** The README's flags section is generated from the flags table and must not drift from it. */
import assert from "node:assert/strict";
import { renderFlagsMarkdown } from "../../src/config/mod.ts";
import { replaceFlagsBlock } from "../../scripts/readme_flags.ts";

Deno.test("README.md's flags table is exactly what the flags table renders (run: deno task readme)", () => {
  const readme = Deno.readTextFileSync(new URL("../../README.md", import.meta.url));
  const updated = replaceFlagsBlock(readme, renderFlagsMarkdown());
  assert.equal(typeof updated, "string", "README.md has the flags markers");
  assert.ok(updated === readme, "README.md flags table is out of date: run deno task readme");
});

Deno.test("replaceFlagsBlock() refuses a README without the markers", () => {
  assert.deepEqual(
    Object.keys(replaceFlagsBlock("# no markers\n", "| a |\n") as object),
    ["error"],
  );
});
