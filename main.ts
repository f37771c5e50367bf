/** Pillarbox: a mail server appliance in one executable. See README.md. */
import { runCli } from "./src/app/cli.ts";

if (import.meta.main) {
  const status = await runCli(Deno.args, {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    stdin: Deno.stdin.readable,
  });
  Deno.exit(status);
}
