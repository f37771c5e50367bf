/**
 * IMAP on a big mailbox: fills a Maildir with N messages (default 100,000)
 * written straight to disk, starts the real server, and times over a raw
 * socket: SELECT (first, which builds the UID index; again in a new
 * session; after a restart), FETCH of flags and sizes for all messages,
 * header FETCHes, SORTs by subject, date, sender and arrival, and THREADs
 * by REFERENCES and ORDEREDSUBJECT (messages come in threads of ten, each
 * naming the one before in References), with the server's peak RSS before
 * and after. Prints one line per measurement.
 *
 *   deno run -A scripts/imap_bench.ts [count]
 */
import { startServer, tempDir } from "../tests/e2e/harness.ts";

const count = Number(Deno.args[0] ?? 100_000);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function fill(spoolDir: string): Promise<void> {
  const dir = `${spoolDir}/mail/example.test/bob`;
  for (const sub of ["tmp", "new", "cur"]) Deno.mkdirSync(`${dir}/${sub}`, { recursive: true });
  const start = 1_700_000_000;
  const batch: Promise<void>[] = [];
  for (let i = 1; i <= count; i++) {
    const body = `From: Sender ${i} <s${i}@remote.test>\r\nTo: bob@example.test\r\n` +
      `Subject: message number ${i}\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\n` +
      `Message-ID: <${i}@remote.test>\r\n` +
      (i % 10 === 1 ? "" : `References: <${i - 1}@remote.test>\r\n`) +
      `\r\n${"Body line of the message.\r\n".repeat(20)}`;
    const bytes = encoder.encode(body);
    const name = `${start + i}.M${i}P1Q${i}.bench,S=${bytes.length}` + (i % 3 ? ":2,S" : "");
    batch.push(Deno.writeFile(`${dir}/${i % 3 ? "cur" : "new"}/${name}`, bytes));
    if (batch.length >= 512) await Promise.all(batch.splice(0));
  }
  await Promise.all(batch);
}

class Client {
  #conn: Deno.Conn;
  #buffer = "";
  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }
  static async open(port: number): Promise<Client> {
    const client = new Client(await Deno.connect({ hostname: "127.0.0.1", port }));
    await client.#until("* OK");
    await client.run("LOGIN bob@example.test pw");
    return client;
  }
  async #until(prefix: string): Promise<{ lines: number; bytes: number }> {
    let lines = 0;
    let bytes = 0;
    const chunk = new Uint8Array(1 << 20);
    while (true) {
      let at: number;
      while ((at = this.#buffer.indexOf("\r\n")) >= 0) {
        const line = this.#buffer.slice(0, at);
        this.#buffer = this.#buffer.slice(at + 2);
        lines++;
        bytes += line.length + 2;
        if (line.startsWith(prefix)) {
          if (!/^(t|\*) OK/.test(line)) throw new Error(line);
          return { lines, bytes };
        }
      }
      const n = await this.#conn.read(chunk);
      if (n === null) throw new Error("closed");
      this.#buffer += decoder.decode(chunk.subarray(0, n));
    }
  }
  /** Runs a command; returns elapsed ms and how many lines came back. */
  async run(command: string): Promise<{ ms: number; lines: number; bytes: number }> {
    const started = performance.now();
    await this.#conn.write(encoder.encode(`t ${command}\r\n`));
    const { lines, bytes } = await this.#until("t ");
    return { ms: performance.now() - started, lines, bytes };
  }
  close(): void {
    this.#conn.close();
  }
}

function report(what: string, result: { ms: number; lines: number; bytes: number }): void {
  console.log(
    `${what.padEnd(58)} ${result.ms.toFixed(0).padStart(7)} ms  ` +
      `${result.lines} lines, ${(result.bytes / 1e6).toFixed(1)} MB`,
  );
}

/** The process's peak resident memory so far (VmHWM), in MB. */
function peakRssMb(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

const spoolDir = tempDir("pillarbox-bench-");
const fillStart = performance.now();
await fill(spoolDir);
console.log(`filled ${count} messages in ${(performance.now() - fillStart).toFixed(0)} ms`);
const flags = ["--insecure-auth"];
let server = await startServer({ users: { "bob@example.test": "pw" }, flags, spoolDir });
try {
  let client = await Client.open(server.ports.imap!);
  report("SELECT INBOX (first: scan, assign UIDs, write index)", await client.run("SELECT INBOX"));
  client.close();
  client = await Client.open(server.ports.imap!);
  report("SELECT INBOX (new session)", await client.run("SELECT INBOX"));
  report(
    "FETCH 1:* (UID FLAGS RFC822.SIZE INTERNALDATE)",
    await client.run(
      "FETCH 1:* (UID FLAGS RFC822.SIZE INTERNALDATE)",
    ),
  );
  const headers = "BODY.PEEK[HEADER.FIELDS (FROM SUBJECT DATE)]";
  report(
    `FETCH last 100 (UID ${headers})`,
    await client.run(
      `FETCH ${count - 99}:* (UID ${headers})`,
    ),
  );
  report(
    `FETCH last 1000 (UID ENVELOPE)`,
    await client.run(`FETCH ${count - 999}:* (UID ENVELOPE)`),
  );
  report(`FETCH 1:* (UID ${headers})`, await client.run(`FETCH 1:* (UID ${headers})`));
  report("UID SEARCH UNSEEN", await client.run("UID SEARCH UNSEEN"));
  client.close();
  await server.stop();
  server = await startServer({ users: {}, flags, spoolDir });
  client = await Client.open(server.ports.imap!);
  report("SELECT INBOX (after a server restart: load index)", await client.run("SELECT INBOX"));
  report("SELECT INBOX (again, same process)", await client.run("SELECT INBOX"));
  // SORT reads every header once (16 read ahead) and keeps only the sort values: the
  // server's peak RSS before and after shows what the keys of the whole folder cost.
  const before = peakRssMb(server.pid);
  for (const criteria of ["(SUBJECT)", "(DATE)", "(REVERSE FROM)", "(ARRIVAL)"]) {
    report(`UID SORT ${criteria} UTF-8 ALL`, await client.run(`UID SORT ${criteria} UTF-8 ALL`));
  }
  console.log(`server peak RSS ${before} MB before the SORTs, ${peakRssMb(server.pid)} MB after`);
  // THREAD reads the same headers and keeps a tree node, a date and a subject key a message.
  const beforeThreads = peakRssMb(server.pid);
  for (const algorithm of ["REFERENCES", "ORDEREDSUBJECT"]) {
    report(
      `UID THREAD ${algorithm} UTF-8 ALL`,
      await client.run(`UID THREAD ${algorithm} UTF-8 ALL`),
    );
  }
  console.log(
    `server peak RSS ${beforeThreads} MB before the THREADs, ${peakRssMb(server.pid)} MB after`,
  );
  client.close();
} finally {
  await server.stop();
  await Deno.remove(spoolDir, { recursive: true });
}
