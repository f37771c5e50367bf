/**
 * A Python client that stops half way: it runs until it prints "ready", waits
 * for a line on its stdin while the test changes something (an account, a
 * file), then goes on. Its whole output comes back, one line per step.
 */
import assert from "node:assert/strict";

/**
 * Runs `script` with `args`; once it has printed "ready", runs `change`, lets it go on and
 * returns its output lines (without the "ready"). The script must exit 0.
 */
export async function runPausedPython(
  script: string,
  args: (string | number)[],
  change: () => Promise<void>,
): Promise<string[]> {
  const child = new Deno.Command("python3", {
    args: ["-c", script, ...args.map(String)],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let said = "";
  while (!said.includes("ready\n")) {
    const { value, done } = await lines.read();
    if (done) break;
    said += value;
  }
  const stdin = child.stdin.getWriter();
  try {
    if (!said.includes("ready\n")) assert.fail(`never ready: ${said}\n${await stderr}`);
    await change();
  } finally {
    await stdin.write(new TextEncoder().encode("go\n")).catch(() => {});
    await stdin.close().catch(() => {});
  }
  for (let { value, done } = await lines.read(); !done; { value, done } = await lines.read()) {
    said += value;
  }
  const status = await child.status;
  assert.equal(status.code, 0, `${said}\n${await stderr}`);
  return said.replace("ready\n", "").trim().split("\n").filter((line) => line !== "");
}
