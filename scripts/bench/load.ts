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

const SPACE = 32;
const LF = 10;
/** The commands, encoded once: the generator should cost the machine as little as it can. */
const COMMANDS = {
  ehlo: encoder.encode("EHLO load.bench.test\r\n"),
  mail: encoder.encode("MAIL FROM:<load@bench.test>\r\n"),
  rcpt: encoder.encode("RCPT TO:<bob@example.test>\r\n"),
  data: encoder.encode("DATA\r\n"),
  quit: encoder.encode("QUIT\r\n"),
};

class Session {
  #conn: Deno.Conn;
  #buffer = new Uint8Array(16384);
  #start = 0;
  #end = 0;
  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }
  /** The next final reply line ("250 ..." rather than "250-..."), as text. */
  async reply(): Promise<string> {
    while (true) {
      let lf: number;
      while ((lf = this.#buffer.subarray(this.#start, this.#end).indexOf(LF)) >= 0) {
        const line = this.#buffer.subarray(this.#start, this.#start + lf);
        this.#start += lf + 1;
        if (line[3] === SPACE || line.length < 4) return decoder.decode(line).trimEnd();
      }
      if (this.#start === this.#end) this.#start = this.#end = 0;
      else if (this.#end === this.#buffer.length) {
        this.#buffer.copyWithin(0, this.#start, this.#end);
        this.#end -= this.#start;
        this.#start = 0;
      }
      const n = await this.#conn.read(this.#buffer.subarray(this.#end));
      if (n === null) throw new Error("server closed the connection");
      this.#end += n;
    }
  }
  async send(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) offset += await this.#conn.write(bytes.subarray(offset));
  }
  async command(bytes: Uint8Array, expect: string): Promise<void> {
    await this.send(bytes);
    const reply = await this.reply();
    if (!reply.startsWith(expect)) {
      throw new Error(`"${decoder.decode(bytes).trim()}" got "${reply}"`);
    }
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
      await session.command(COMMANDS.ehlo, "250");
      for (let i = 0; i < options.messagesPerConnection && remaining > 0; i++) {
        remaining--;
        const t0 = performance.now();
        await session.command(COMMANDS.mail, "250");
        await session.command(COMMANDS.rcpt, "250");
        await session.command(COMMANDS.data, "354");
        await session.send(BODY);
        const reply = await session.reply();
        if (!reply.startsWith("250")) throw new Error(`DATA got "${reply}"`);
        latencies.push(performance.now() - t0);
      }
      await session.command(COMMANDS.quit, "221");
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
