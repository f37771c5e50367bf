/**
 * writeFileAtomic()'s promise, "the new file survives a crash once this
 * returns", checked on the system calls of a process that runs it (strace):
 * the temporary file is synced before the rename and the folder after it.
 * Nothing else can see a missing sync: the page cache outlives a SIGKILL.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { hasStrace } from "../e2e/fault_injection.ts";
import { descriptorPath, parseTrace, quotedArgs, tracing } from "../e2e/syscall_trace.ts";

const DURABLE_FILE = new URL("../../src/spool/durable_file.ts", import.meta.url).href;

Deno.test({
  name: "writeFileAtomic() syncs its temporary file, renames it into place, then syncs the folder",
  ignore: !hasStrace,
  fn: async () => {
    const dir = makeTestDir();
    const script = `${dir}/write.ts`;
    Deno.writeTextFileSync(
      script,
      `import { writeFileAtomic } from "${DURABLE_FILE}";\n` +
        `await writeFileAtomic(Deno.args[0], [new TextEncoder().encode("state")]);\n`,
    );
    const logFile = `${dir}/trace`;
    const [program, ...wrapArgs] = tracing({
      syscalls: ["fsync", "fdatasync", "rename", "renameat", "renameat2"],
      logFile,
    }) as [string, ...string[]];
    const args = [
      ...wrapArgs,
      Deno.execPath(),
      "run",
      "--quiet",
      `--allow-read=${dir}`,
      `--allow-write=${dir}`,
      script,
      `${dir}/state`,
    ];
    const output = await new Deno.Command(program, { args, stdout: "null", stderr: "piped" })
      .output();
    assert.ok(output.success, new TextDecoder().decode(output.stderr));
    assert.equal(Deno.readTextFileSync(`${dir}/state`), "state");

    const calls = parseTrace(Deno.readTextFileSync(logFile));
    const rename = calls.find((call) => quotedArgs(call)[1] === `${dir}/state`);
    assert.ok(rename, "the file is renamed into place");
    const tmp = quotedArgs(rename)[0]!;
    const synced = (path: string) =>
      calls.filter((call) =>
        (call.name === "fsync" || call.name === "fdatasync") && call.result === "0" &&
        descriptorPath(call) === path
      ).map((call) => call.index);
    assert.ok(synced(tmp).some((index) => index < rename.index), `${tmp} is synced first`);
    assert.ok(synced(dir).some((index) => index > rename.index), `${dir} is synced after`);
  },
});
