/**
 * The load generator: raw SMTP over Deno sockets, one command at a time,
 * 5 KB messages. Latency is MAIL to the 250 after the final dot.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface LoadOptions {
  port: number;
  sessions: number;
  messagesPerConnection: number;
  messages: number;
  countDelivered: () => number;
}

export interface LoadResult {
  deliveredPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

const BODY = (() => {
  const line = "The quick brown fox jumps over the lazy dog, again and again and again.\r\n";
  let text = "From: load@bench.test\r\nTo: bob@example.test\r\nSubject: bench\r\n\r\n";
  while (text.length < 5000) text += line;
  return encoder.encode(text + ".\r\n");
})();

class Session {
  #conn: Deno.Conn;
  #buffer = "";
  #chunk = new Uint8Array(4096);
  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }
  async reply(): Promise<string> {
    while (true) {
      const lines = this.#buffer.split("\r\n");
      for (let i = 0; i < lines.length - 1; i++) {
        if (/^\d{3} /.test(lines[i]!)) {
          const consumed = lines.slice(0, i + 1).join("\r\n").length + 2;
          const last = lines[i]!;
          this.#buffer = this.#buffer.slice(consumed);
          return last;
        }
      }
      const n = await this.#conn.read(this.#chunk);
      if (n === null) throw new Error("server closed the connection");
      this.#buffer += decoder.decode(this.#chunk.subarray(0, n));
    }
  }
  async send(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    let offset = 0;
    while (offset < bytes.length) offset += await this.#conn.write(bytes.subarray(offset));
  }
  async command(line: string, expect: string): Promise<void> {
    await this.send(line + "\r\n");
    const reply = await this.reply();
    if (!reply.startsWith(expect)) throw new Error(`"${line}" got "${reply}"`);
  }
  close(): void {
    this.#conn.close();
  }
}

/** Sends `messages` messages over `sessions` parallel sessions and waits for delivery. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const startCount = options.countDelivered();
  const latencies: number[] = [];
  let remaining = options.messages;
  const started = performance.now();
  await Promise.all(Array.from({ length: options.sessions }, async () => {
    while (remaining > 0) {
      const session = new Session(
        await Deno.connect({ hostname: "127.0.0.1", port: options.port }),
      );
      await session.reply();
      await session.command("EHLO load.bench.test", "250");
      for (let i = 0; i < options.messagesPerConnection && remaining > 0; i++) {
        remaining--;
        const t0 = performance.now();
        await session.command("MAIL FROM:<load@bench.test>", "250");
        await session.command("RCPT TO:<bob@example.test>", "250");
        await session.command("DATA", "354");
        await session.send(BODY);
        const reply = await session.reply();
        if (!reply.startsWith("250")) throw new Error(`DATA got "${reply}"`);
        latencies.push(performance.now() - t0);
      }
      await session.command("QUIT", "221");
      session.close();
    }
  }));
  const target = startCount + options.messages;
  while (options.countDelivered() < target) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pick = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { deliveredPerSecond: options.messages / seconds, p50Ms: pick(0.5), p99Ms: pick(0.99) };
}
