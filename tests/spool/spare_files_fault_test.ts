/**
 * Spare files under injected faults (strace, see tests/e2e/fault_injection.ts):
 * a spare that cannot be opened for a passing reason stays in the pool.
 */
import { makeTestDir, makeTestFile } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { hasStrace } from "../e2e/fault_injection.ts";

const SPARE_FILES = new URL("../../src/spool/spare_files.ts", import.meta.url).href;

/** Opens a pool on the spares in `Deno.args[0]`, takes one, prints what happened. */
const TAKE_ONE = `
const { SpareFiles } = await import(${JSON.stringify(SPARE_FILES)});
const pool = await SpareFiles.open(Deno.args[0], { target: 3, max: 12, quietMs: 3_600_000 });
const taken = pool.take();
console.log(JSON.stringify({ isTaken: taken !== null, count: pool.count }));
pool.close();
`;

Deno.test({
  name: "take() that runs out of file descriptors keeps its spares in the pool",
  ignore: !hasStrace,
  fn: async () => {
    const dir = makeTestDir({ prefix: "pillarbox-spare-fault-" });
    makeTestFile(`${dir}.lock`); // the pool's lock, beside its folder
    const spares = ["a", "b", "c"].map((name) => `${dir}/${name}`);
    for (const path of spares) Deno.writeFileSync(path, new Uint8Array(0), { mode: 0o600 });
    const output = await new Deno.Command("strace", {
      args: [
        "-f",
        "--seccomp-bpf",
        "-qq",
        "-o",
        "/dev/null",
        ...spares.flatMap((path) => ["-P", path]),
        "-e",
        "trace=open,openat",
        "-e",
        "inject=open,openat:error=EMFILE",
        Deno.execPath(),
        "eval",
        TAKE_ONE,
        dir,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(output.stdout);
    assert.ok(output.success, new TextDecoder().decode(output.stderr));
    // EMFILE passes; the files are still spares. Forgotten, they would sit in
    // spare/ unused until a restart while the pool made new ones.
    assert.deepEqual(JSON.parse(text), { isTaken: false, count: 3 });
  },
});
