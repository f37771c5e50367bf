/**
 * Outbound drain: N messages are queued for remote.test while its route
 * points at a closed port (every first attempt fails, the queue fills), then
 * the server is restarted (after `queue retry --all`) with the route pointing
 * at an in-process sink: raw Deno sockets, PIPELINING, nothing written to
 * disk. Timed from the sink's first connection until the queue folder is
 * empty; CPU (from the moment it is ready) and peak RSS are the restarted
 * server's, from /proc.
 */
import { startBenchServer } from "./server_process.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder("latin1");

/** What the drain scenario reports. */
export interface DrainResult {
  messages: number;
  perSecond: number;
  connections: number;
  cpuUsPerMessage: number;
  peakRssMb: number;
}

/** Runs the scenario; see the module comment. */
export async function runDrain(
  options: { root: string; benchRoot: string; messages: number },
): Promise<DrainResult | null> {
  const spoolDir = `${options.benchRoot}/drain-spool`;
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closedPort = (closed.addr as Deno.NetAddr).port;
  closed.close();
  const filling = await startBenchServer({
    root: options.root,
    spoolDir,
    extraFlags: [`--route=remote.test=127.0.0.1:${closedPort}`],
  });
  try {
    await queueMessages(filling.smtpPort, options.messages);
  } finally {
    await filling.stop();
  }
  const retried = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${options.root}main.ts`,
      "queue",
      "retry",
      "--all",
      `--spool-dir=${spoolDir}`,
    ],
    stdout: "null",
    stderr: "inherit",
  }).output();
  if (!retried.success) throw new Error("queue retry --all failed");
  const sink = startFastSink();
  const server = await startBenchServer({
    root: options.root,
    spoolDir,
    extraFlags: [`--route=remote.test=127.0.0.1:${sink.port}`],
  });
  try {
    // CPU is counted from here: the runtime's start-up is not the drain's cost.
    const ready = await server.usage();
    const msgDir = `${spoolDir}/queue/msg`;
    while (!isEmpty(msgDir)) await new Promise((resolve) => setTimeout(resolve, 10));
    const seconds = (performance.now() - (sink.firstConnectionAt() ?? performance.now())) / 1000;
    const usage = await server.usage();
    if (sink.messages() < options.messages) {
      throw new Error(`the sink got ${sink.messages()} of ${options.messages} messages`);
    }
    return {
      messages: options.messages,
      perSecond: options.messages / seconds,
      connections: sink.connections(),
      cpuUsPerMessage: (usage.cpuUs - ready.cpuUs) / options.messages,
      peakRssMb: usage.peakRssMb,
    };
  } finally {
    await server.stop();
    sink.close();
  }
}

function isEmpty(dir: string): boolean {
  for (const _ of Deno.readDirSync(dir)) return false;
  return true;
}

const BODY = (() => {
  const line = "The quick brown fox jumps over the lazy dog, again and again and again.\r\n";
  let text = "From: load@bench.test\r\nTo: far@remote.test\r\nSubject: drain\r\n\r\n";
  while (text.length < 5000) text += line;
  return text + ".\r\n";
})();

/** Queues `count` messages for far@remote.test over 20 pipelined sessions. */
async function queueMessages(port: number, count: number): Promise<void> {
  let remaining = count;
  await Promise.all(Array.from({ length: 20 }, async () => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const lines = lineReader(conn);
    await lines.reply();
    await write(conn, "EHLO load.bench.test\r\n");
    await lines.reply();
    while (remaining > 0) {
      remaining--;
      await write(conn, "MAIL FROM:<load@bench.test>\r\nRCPT TO:<far@remote.test>\r\nDATA\r\n");
      for (const expected of ["250", "250", "354"]) {
        const reply = await lines.reply();
        if (!reply.startsWith(expected)) throw new Error(`queueing: got "${reply}"`);
      }
      await write(conn, BODY);
      const reply = await lines.reply();
      if (!reply.startsWith("250")) throw new Error(`queueing: got "${reply}"`);
    }
    await write(conn, "QUIT\r\n");
    conn.close();
  }));
}

async function write(conn: Deno.Conn, text: string): Promise<void> {
  const bytes = encoder.encode(text);
  for (let offset = 0; offset < bytes.length;) offset += await conn.write(bytes.subarray(offset));
}

/** Reads final reply lines ("250 ...", not "250-...") from `conn`. */
function lineReader(conn: Deno.Conn): { reply(): Promise<string> } {
  let buffer = "";
  const chunk = new Uint8Array(16384);
  return {
    async reply() {
      for (;;) {
        let end: number;
        while ((end = buffer.indexOf("\r\n")) >= 0) {
          const line = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (line[3] !== "-") return line;
        }
        const n = await conn.read(chunk);
        if (n === null) throw new Error("connection closed");
        buffer += decoder.decode(chunk.subarray(0, n));
      }
    },
  };
}

/** An SMTP sink that answers everything with success and keeps nothing. */
function startFastSink(): {
  port: number;
  connections(): number;
  messages(): number;
  firstConnectionAt(): number | null;
  close(): void;
} {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let connections = 0;
  let messages = 0;
  let firstAt: number | null = null;
  const conns = new Set<Deno.Conn>();
  (async () => {
    for await (const conn of listener) {
      connections++;
      firstAt ??= performance.now();
      conns.add(conn);
      conn.setNoDelay(true);
      serve(conn, () => messages++).catch(() => {}).finally(() => conns.delete(conn));
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    connections: () => connections,
    messages: () => messages,
    firstConnectionAt: () => firstAt,
    close: () => {
      listener.close();
      for (const conn of conns) conn.close();
    },
  };
}

async function serve(conn: Deno.Conn, onMessage: () => void): Promise<void> {
  await write(conn, "220 sink.bench.test ESMTP\r\n");
  const chunk = new Uint8Array(65536);
  let buffer = "";
  let isData = false;
  for (;;) {
    const n = await conn.read(chunk);
    if (n === null) return;
    buffer += decoder.decode(chunk.subarray(0, n));
    let out = "";
    for (;;) {
      if (isData) {
        const end = buffer.indexOf("\r\n.\r\n");
        if (end < 0) break;
        buffer = buffer.slice(end + 5);
        isData = false;
        onMessage();
        out += "250 2.0.0 Ok\r\n";
        continue;
      }
      const end = buffer.indexOf("\r\n");
      if (end < 0) break;
      const verb = buffer.slice(0, 4).toUpperCase();
      buffer = buffer.slice(end + 2);
      if (verb === "EHLO") out += "250-sink.bench.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n";
      else if (verb === "DATA") {
        out += "354 Go ahead\r\n";
        // The message may start right after DATA: keep the CRLF so a lone "." line matches.
        buffer = "\r\n" + buffer;
        isData = true;
      } else if (verb === "QUIT") {
        await write(conn, out + "221 Bye\r\n");
        conn.close();
        return;
      } else out += "250 Ok\r\n";
    }
    if (out) await write(conn, out);
  }
}
