/** The command line run in-process, for CLI tests: the status and what was printed. */
import { runCli } from "../../src/app/cli.ts";

/** Runs `argv` with an empty stdin; returns the status and the lines printed to out and err. */
export async function runInProcess(
  argv: string[],
): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    stdin: new ReadableStream({ start: (controller) => controller.close() }),
  });
  return { code, out, err };
}
