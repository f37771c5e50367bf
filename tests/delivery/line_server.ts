/**
 * A scripted SMTP server for client tests: it greets, then answers each
 * command line with what `answer` says, and can close after a reply.
 */

/** What to do about one command line: a reply (CRLF added per line), and whether to close. */
export interface LineAnswer {
  reply?: string;
  close?: boolean;
}

/** Listens on `hostname` (127.0.0.1) at `port` (0 = any free one). */
export function startLineServer(options: {
  hostname?: string;
  port?: number;
  greeting: string;
  answer: (line: string) => LineAnswer;
}) {
  const listener = Deno.listen({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port ?? 0,
  });
  const encoder = new TextEncoder();
  const say = (conn: Deno.Conn, reply: string) =>
    conn.write(encoder.encode(reply.split("\n").map((line) => line + "\r\n").join("")));
  const serve = async (conn: Deno.Conn) => {
    await say(conn, options.greeting);
    const buffer = new Uint8Array(4096);
    let input = "";
    while (true) {
      const count = await conn.read(buffer);
      if (count === null) break;
      input += new TextDecoder().decode(buffer.subarray(0, count));
      for (let end = input.indexOf("\r\n"); end >= 0; end = input.indexOf("\r\n")) {
        const { reply, close } = options.answer(input.slice(0, end));
        input = input.slice(end + 2);
        if (reply !== undefined) await say(conn, reply);
        if (close) return conn.close();
      }
    }
    conn.close();
  };
  void (async () => {
    for await (const conn of listener) void serve(conn).catch(() => {});
  })().catch(() => {});
  return { port: listener.addr.port, close: () => listener.close() };
}
