/** `pillarbox sendmail` run in-process: a stdin it cannot read, the -q queue run. */
import assert from "node:assert/strict";
import { runCli } from "../../src/app/cli.ts";
import { makeTestDir } from "../temp_dirs.ts";

/** A stdin whose first read fails as reading a directory does. */
function unreadableStdin(): ReadableStream<Uint8Array> {
  return new ReadableStream({
    pull(controller) {
      controller.error(new Deno.errors.IsADirectory("Is a directory (os error 21)"));
    },
  });
}

for (const mode of [["root"], ["-bs"]]) {
  Deno.test(`sendmail ${mode[0]} exits 74 (EX_IOERR) with a message when stdin cannot be read`, async () => {
    const spoolDir = makeTestDir();
    const err: string[] = [];
    let status: number | string;
    try {
      status = await runCli(
        ["sendmail", `--spool-dir=${spoolDir}`, "--hostname=mx.test", ...mode],
        {
          out: () => {},
          err: (line) => err.push(line),
          stdin: unreadableStdin(),
        },
      );
    } catch (error) {
      status = `threw ${error}`;
    }
    assert.equal(status, 74, err.join("\n"));
    assert.match(err.join("\n"), /^pillarbox sendmail: Cannot read the message: .*directory/);
  });
}

Deno.test("sendmail -q asks a running server to try every queued message now, exits 0", async () => {
  const spoolDir = makeTestDir();
  const err: string[] = [];
  const status = await runCli(["sendmail", `--spool-dir=${spoolDir}`, "--hostname=mx.test", "-q"], {
    out: () => {},
    err: (line) => err.push(line),
    stdin: ReadableStream.from([]),
  });
  assert.equal(status, 0, err.join("\n"));
  assert.ok(Deno.statSync(`${spoolDir}/queue/wake/all`).isFile);
});
