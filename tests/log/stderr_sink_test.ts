/** The batched stderr log sink, seen from outside: a child process logs, we read its stderr. */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const loggerUrl = new URL("../../src/log/mod.ts", import.meta.url).href;

async function runChild(body: string): Promise<string> {
  const script = `import { Logger } from ${JSON.stringify(loggerUrl)};\n` +
    `const log = new Logger({ level: "info" });\n${body}`;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-lock", "-"],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
    cwd: fileURLToPath(new URL(".", import.meta.url)),
  }).spawn();
  const writer = output.stdin.getWriter();
  await writer.write(new TextEncoder().encode(script));
  await writer.close();
  const { stderr } = await output.output();
  return new TextDecoder().decode(stderr);
}

const events = (text: string) => [...text.matchAll(/event=(\S+)/g)].map((m) => m[1]);

Deno.test("stderr sink: queued lines are written, in order, when the process exits", async (t) => {
  const cases: [string, string][] = [
    ["natural end", `log.info("one"); log.info("two"); log.warn("three");`],
    ["Deno.exit", `log.info("one"); log.info("two"); log.warn("three"); Deno.exit(0);`],
    [
      "Deno.exit with a failure",
      `log.info("one"); log.info("two"); log.warn("three"); Deno.exit(1);`,
    ],
  ];
  for (const [name, body] of cases) {
    await t.step(name, async () => {
      assert.deepEqual(events(await runChild(body)), ["one", "two", "three"]);
    });
  }
});

Deno.test("stderr sink: the lines before an uncaught error are written before the process dies", async (t) => {
  const cases: [string, string][] = [
    [
      "an exception thrown at the top level",
      `log.info("one"); log.warn("two"); throw new Error("x");`,
    ],
    [
      "an exception thrown in a timer",
      `setTimeout(() => { log.info("one"); log.warn("two"); throw new Error("x"); }, 1);`,
    ],
    ["an unhandled rejection", `log.info("one"); log.warn("two"); Promise.reject(new Error("x"));`],
  ];
  for (const [name, body] of cases) {
    await t.step(name, async () => {
      const text = await runChild(body);
      assert.match(text, /Error: x/, "the child did die of the error");
      assert.deepEqual(events(text), ["one", "two"]);
    });
  }
});

/**
 * Runs `body` in a child that keeps running, reads its stderr until `event`
 * shows up (or 20 s pass: the child is then killed), and kills it. Returns
 * the text read and how long it took.
 */
async function readUntilEvent(body: string, event: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import { Logger } from ${JSON.stringify(loggerUrl)};
       const log = new Logger({ level: "info" });
       ${body}`,
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.getReader();
  const started = performance.now();
  // Generous: this only stops a broken sink from hanging the suite.
  const deadline = setTimeout(() => child.kill("SIGKILL"), 20_000);
  let text = "";
  while (!text.includes(`event=${event}`)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  const waitedMs = performance.now() - started;
  clearTimeout(deadline);
  try {
    child.kill("SIGKILL");
  } catch { /* already killed by the deadline */ }
  await child.status;
  await reader.cancel();
  return { text, waitedMs };
}

Deno.test("stderr sink: an error is written at once, after the lines queued before it", async () => {
  // The child logs, then spins: no timer can fire, so only the urgent write can put lines out.
  const { text } = await readUntilEvent(
    `log.info("before"); log.error("boom"); while (true) {}`,
    "boom",
  );
  assert.deepEqual(events(text), ["before", "boom"]);
});

Deno.test("stderr sink: a burst is batched, not lost", async () => {
  const text = await runChild(`for (let i = 0; i < 5000; i++) log.info("n" + i);`);
  const seen = events(text);
  assert.equal(seen.length, 5000);
  assert.equal(seen[0], "n0");
  assert.equal(seen[4999], "n4999");
});

Deno.test("stderr sink: a quiet process's lines come out soon, without an exit or an error", async () => {
  // The child logs, then idles for a minute: only the batch window can write the lines.
  const { text, waitedMs } = await readUntilEvent(
    `log.info("one"); log.warn("two"); setTimeout(() => {}, 60_000);`,
    "two",
  );
  assert.deepEqual(events(text), ["one", "two"]);
  assert.ok(waitedMs < 15_000, `the lines took ${waitedMs.toFixed(0)} ms`);
});

Deno.test("stderr sink: a reader that stops reading stops no logger; the gap is counted, the lines kept stay whole", async () => {
  const total = 20_000; // ~2.4 MB of log: past the pipe and past what the sink holds
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import { Logger } from ${JSON.stringify(loggerUrl)};
       const log = new Logger({ level: "info" });
       for (let i = 0; i < ${total}; i++) log.info("n" + i, { pad: "x".repeat(100) });
       console.log("done");
       setTimeout(() => {}, 60_000);`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // Generous: this only stops a logger blocked on the full pipe from hanging the suite.
  const deadline = setTimeout(() => child.kill("SIGKILL"), 20_000);
  const decoder = new TextDecoder();
  let printed = "";
  for await (const chunk of child.stdout) {
    printed += decoder.decode(chunk);
    if (printed.includes("done")) break;
  }
  // Only now is stderr read: the logger ran its loop to the end without a reader.
  let text = "";
  const reader = child.stderr.getReader();
  while (!text.includes("event=log.dropped")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value);
  }
  clearTimeout(deadline);
  try {
    child.kill("SIGKILL");
  } catch { /* already killed by the deadline */ }
  await child.status;
  await reader.cancel();
  assert.equal(printed, "done\n", "the logger finished its loop while nobody read stderr");
  const lines = text.slice(0, text.lastIndexOf("\n")).split("\n");
  const note = lines.pop() ?? "";
  const dropped = Number(/^ts=\S+ level=warn event=log\.dropped lines=(\d+)$/.exec(note)?.[1]);
  assert.ok(dropped > 0, note);
  lines.forEach((line, i) =>
    assert.match(line, new RegExp(`^ts=\\S+ level=info event=n${i} pad=x{100}$`))
  );
  assert.equal(lines.length + dropped, total);
});

Deno.test("stderr sink: a full non-blocking stderr (EAGAIN) loses no line; they wait for the reader", async () => {
  const total = 200;
  // The child's stderr is a pipe whose non-blocking flag another holder set (as a supervisor
  // may). The child fills it first, so every write of its log finds it full until we read.
  const child = `
import { drainStderrLog, Logger } from ${JSON.stringify(loggerUrl)};
const log = new Logger({ level: "info" });
const filler = new TextEncoder().encode("f\\n");
try {
  while (true) Deno.stderr.writeSync(filler);
} catch (error) {
  if (!(error instanceof Deno.errors.WouldBlock)) throw error;
}
for (let i = 0; i < ${total}; i++) log.info("n" + i, { pad: "x".repeat(1000) });
// Time for the sink's first writes to meet the full pipe (the reader waits for "logged").
await new Promise((resolve) => setTimeout(resolve, 100));
console.log("logged");
await drainStderrLog();
`;
  const script = `
import json, os, subprocess, sys
r, w = os.pipe()
os.set_blocking(w, False)
child = subprocess.Popen([sys.argv[1], "eval", sys.argv[2]], stderr=w, stdout=subprocess.PIPE)
os.close(w)
printed = child.stdout.readline().decode()
data = b""
while True:
    chunk = os.read(r, 65536)
    if not chunk:
        break
    data += chunk
child.wait()
print(json.dumps([printed, data.decode()]))
`;
  const output = await new Deno.Command("python3", {
    args: ["-c", script, Deno.execPath(), child],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const [printed, text] = JSON.parse(new TextDecoder().decode(output.stdout)) as [string, string];
  assert.equal(printed, "logged\n");
  const lines = text.split("\n").filter((line) => line !== "" && line !== "f");
  assert.equal(lines.length, total, lines.filter((line) => !/event=n\d/.test(line)).join("\n"));
  lines.forEach((line, i) => assert.match(line, new RegExp(`^ts=\\S+ level=info event=n${i} `)));
});
