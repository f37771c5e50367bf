/** Pillarbox: a mail server appliance in one executable. See README.md. */
import { runCli } from "./src/app/cli.ts";
import { drainStderrLog } from "./src/log/mod.ts";

if (import.meta.main) {
  const status = await runCli(Deno.args, {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    stdin: Deno.stdin.readable,
  });
  // The last log lines, written before the exit (not waiting long for a reader that reads nothing).
  await drainStderrLog();
  Deno.exit(status);
}
