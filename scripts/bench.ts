/**
 * `deno task bench`: how much mail Pillarbox takes in and sends out per
 * second on this machine, next to what the disk allows.
 *
 * Starts the real server as a subprocess with a fresh spool in a directory of
 * its own, drives it over raw sockets, and reports per scenario: messages/s
 * until delivered, p50/p99 transaction latency, server CPU per message,
 * RSS. `--json` prints the same as JSON. Options: `--messages=N`.
 */
import { fileURLToPath } from "node:url";
import { measureFsyncRate } from "./bench/disk.ts";
import { measureCpuSpeed } from "./bench/cpu.ts";
import { runLoad } from "./bench/load.ts";
import { type ServerProcess, startBenchServer } from "./bench/server_process.ts";
import { runSmtpSource } from "./bench/smtp_source.ts";
import { runDrain } from "./bench/drain.ts";
import { FLAGS } from "../src/config/mod.ts";

const root = fileURLToPath(new URL("../", import.meta.url));
/** `--spare-files`' default: the pool the server fills in its first quiet second. */
const DEFAULT_SPARE_FILES = Number(FLAGS.find((row) => row.name === "spare-files")?.default);
const args = new Set(Deno.args);
const isJson = args.has("--json");
const messagesArg = Deno.args.find((arg) => arg.startsWith("--messages="));
const totalMessages = messagesArg ? Number(messagesArg.split("=")[1]) : 4000;

interface Row {
  scenario: string;
  messages: number;
  perSecond: number;
  p50Ms: number | null;
  p99Ms: number | null;
  cpuUsPerMessage: number;
  peakRssMb: number;
  connections?: number;
}

const rows: Row[] = [];
const notes: Record<string, unknown> = {};
const say = (line: string) => {
  if (!isJson) console.log(line);
};

const benchRoot = Deno.makeTempDirSync({ prefix: "pillarbox-bench-" });
say(`bench: working in ${benchRoot}`);

const disk = await measureFsyncRate(`${benchRoot}/disk`);
notes.diskFsyncsPerSecond = disk;
say(
  `disk: ${disk.oneThread.toFixed(0)} file+dir fsyncs/s from 1 writer, ${
    disk.fourThreads.toFixed(0)
  } from 4 (new files); ${disk.rewriteOneThread.toFixed(0)} and ${
    disk.rewriteFourThreads.toFixed(0)
  } rewriting existing files`,
);

const cpu = measureCpuSpeed();
notes.cpuSpeed = cpu;
say(
  `cpu: ${cpu.jsLoopMs} ms for the fixed JavaScript loop, ${cpu.syscallUs} us a stat() ` +
    `(this machine's speed now: compare two runs' figures only where these agree)`,
);

async function scenario(
  name: string,
  server: ServerProcess,
  load: { sessions: number; messagesPerConnection: number; messages: number },
): Promise<void> {
  const before = await server.usage();
  const result = await runLoad({
    port: server.smtpPort,
    ...load,
    countDelivered: server.countDelivered,
  });
  const after = await server.usage();
  const cpuUs = (after.cpuUs - before.cpuUs) / load.messages;
  rows.push({
    scenario: name,
    messages: load.messages,
    perSecond: result.deliveredPerSecond,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    cpuUsPerMessage: Math.round(cpuUs),
    peakRssMb: after.peakRssMb,
  });
}

/** 200 messages first, so the measured runs meet a server whose code is compiled. */
function warmUp(server: ServerProcess): Promise<unknown> {
  return runLoad({
    port: server.smtpPort,
    sessions: 4,
    messagesPerConnection: 5,
    messages: 200,
    countDelivered: server.countDelivered,
  });
}

const server = await startBenchServer({ root, spoolDir: `${benchRoot}/spool` });
try {
  const idle = await server.usage();
  notes.idleRssMb = idle.rssMb;
  notes.idleAnonMb = idle.anonMb;
  notes.spareFilesReady = await server.settle({ spares: DEFAULT_SPARE_FILES, timeoutMs: 15_000 });
  notes.settledRssMb = (await server.usage()).rssMb;
  say(`server settled: ${notes.spareFilesReady} spare files ready (the default pool)`);
  await warmUp(server);
  // Each scenario meets the server at rest, its pool full again, as a server with
  // quiet spells between bursts would be (the pool refills after a quiet second).
  const atRest = () => server.settle({ spares: DEFAULT_SPARE_FILES, timeoutMs: 30_000 });
  await atRest();
  await scenario("20 sessions, 1 msg/conn", server, {
    sessions: 20,
    messagesPerConnection: 1,
    messages: totalMessages,
  });
  await atRest();
  await scenario("20 sessions, 50 msg/conn", server, {
    sessions: 20,
    messagesPerConnection: 50,
    messages: totalMessages,
  });
  await atRest();
  await scenario("1 session (latency)", server, {
    sessions: 1,
    messagesPerConnection: 1000,
    messages: Math.min(1000, totalMessages),
  });
  const after = await server.usage();
  notes.idleRssAfterMb = after.rssMb;
  notes.idleAnonAfterMb = after.anonMb;
  await atRest();
  const source = await runSmtpSource({
    port: server.smtpPort,
    messages: totalMessages,
    countDelivered: server.countDelivered,
  });
  if (source) notes.smtpSource = source;
} finally {
  await server.stop();
}

// The same intake with a pool that covers the whole run: a server whose
// finished messages (queue, POP3 deletions) keep the pool fed never creates
// a file, however recently other files on the disk were deleted.
const pooled = await startBenchServer({
  root,
  spoolDir: `${benchRoot}/spool-pooled`,
  extraFlags: [`--spare-files=${2 * totalMessages + 200}`],
});
try {
  notes.pooledSpareFiles = await pooled.settle({
    spares: 2 * totalMessages + 200,
    timeoutMs: 90_000,
  });
  await warmUp(pooled);
  await scenario("20 sess, 1 msg/conn, all spare", pooled, {
    sessions: 20,
    messagesPerConnection: 1,
    messages: totalMessages,
  });
  await scenario("20 sess, 50 msg/conn, all spare", pooled, {
    sessions: 20,
    messagesPerConnection: 50,
    messages: totalMessages,
  });
} finally {
  await pooled.stop();
}

const drain = await runDrain({ root, benchRoot, messages: totalMessages });
if (drain) {
  rows.push({
    scenario: "outbound drain to a sink",
    messages: drain.messages,
    perSecond: drain.perSecond,
    p50Ms: null,
    p99Ms: null,
    cpuUsPerMessage: Math.round(drain.cpuUsPerMessage),
    peakRssMb: drain.peakRssMb,
    connections: drain.connections,
  });
} else notes.drain = "skipped: outbound delivery not available";

await Deno.remove(benchRoot, { recursive: true }).catch(() => {});

if (isJson) {
  console.log(JSON.stringify({ rows, notes }, null, 2));
} else {
  const header = [
    "scenario",
    "msgs",
    "msg/s",
    "p50 ms",
    "p99 ms",
    "cpu us/msg",
    "peak RSS MB",
    "conns",
  ];
  const table = rows.map((r) => [
    r.scenario,
    String(r.messages),
    r.perSecond.toFixed(0),
    r.p50Ms === null ? "-" : r.p50Ms.toFixed(2),
    r.p99Ms === null ? "-" : r.p99Ms.toFixed(2),
    String(r.cpuUsPerMessage),
    r.peakRssMb.toFixed(0),
    r.connections === undefined ? "-" : String(r.connections),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    "| " + cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ") + " |";
  console.log(line(header));
  console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
  for (const row of table) console.log(line(row));
  console.log(
    `idle RSS ${notes.idleRssMb} MB at start, ${notes.settledRssMb} MB once the pool is made, ${notes.idleRssAfterMb} MB after load`,
  );
  console.log(
    `  of which private (RssAnon): ${notes.idleAnonMb} MB at start, ${notes.idleAnonAfterMb} MB after load; the rest is the Deno executable's own pages (shared, reclaimable)`,
  );
  console.log(
    `"all spare": a server with ${notes.pooledSpareFiles} spare files ready, one for every message`,
  );
  if (notes.smtpSource) console.log(`smtp-source: ${JSON.stringify(notes.smtpSource)}`);
}
