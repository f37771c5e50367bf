/** The command line run in-process, for CLI tests: the status and what was printed. */
import { runCli } from "../../src/app/cli.ts";

/** Runs `argv` with `stdin` (empty if not given); returns the status and the lines printed to out and err. */
export async function runInProcess(
  argv: string[],
  options: { stdin?: string } = {},
): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    stdin: ReadableStream.from(
      options.stdin === undefined ? [] : [new TextEncoder().encode(options.stdin)],
    ),
  });
  return { code, out, err };
}
