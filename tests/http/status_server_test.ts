/** The status server in-process, read with fetch. */
import assert from "node:assert/strict";
import { Metrics, startStatusServer } from "../../src/http/mod.ts";
import { Logger } from "../../src/log/mod.ts";

for (const path of ["/", "/metrics", "/healthz"]) {
  Deno.test(`HEAD ${path} sends the Content-Length a GET would (RFC 9110 8.6)`, async () => {
    const metrics = new Metrics();
    metrics.addGauge({ name: "pillarbox_test_gauge", help: "A gauge", read: () => 7 });
    const server = await startStatusServer({ hostname: "127.0.0.1", port: 0 }, {
      metrics,
      hostname: "mx.test",
      version: "0.0.0",
      log: new Logger({ level: "error" }),
    });
    try {
      const url = `http://127.0.0.1:${server.port}${path}`;
      const get = await fetch(url);
      const body = new Uint8Array(await get.arrayBuffer());
      const head = await fetch(url, { method: "HEAD" });
      await head.body?.cancel();
      assert.equal(head.status, 200);
      assert.equal(head.headers.get("content-type"), get.headers.get("content-type"));
      assert.equal(head.headers.get("content-length"), String(body.length));
    } finally {
      await server.close();
    }
  });
}

async function exchange(port: number, request: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(new TextEncoder().encode(request));
  const chunks: Uint8Array[] = [];
  const buffer = new Uint8Array(4096);
  while (true) {
    const n = await conn.read(buffer);
    if (n === null) break;
    chunks.push(buffer.slice(0, n));
  }
  conn.close();
  return new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
}

const WIRE_CASES: [string, string, RegExp][] = [
  [
    "a malformed request line gets 400 and the connection closed",
    "hello\r\n\r\n",
    /^HTTP\/1\.1 400 /,
  ],
  ["an HTTP/1.1 request without Host gets 400", "GET / HTTP/1.1\r\n\r\n", /^HTTP\/1\.1 400 /],
  [
    "a request line longer than 8 KB gets 414",
    `GET /${"a".repeat(9000)} HTTP/1.1\r\n\r\n`,
    /^HTTP\/1\.1 414 /,
  ],
  [
    "a DELETE gets 405 with Allow",
    "DELETE / HTTP/1.1\r\nHost: x\r\n\r\n",
    /^HTTP\/1\.1 405 [^]*\r\nAllow: GET, HEAD\r\n/,
  ],
  [
    "a method it does not know gets 501 (RFC 9110 9.1)",
    "BREW / HTTP/1.1\r\nHost: x\r\n\r\n",
    /^HTTP\/1\.1 501 Not Implemented\r\n/,
  ],
  [
    "a method in lower case, which is another method, gets 501 (RFC 9110 9.1)",
    "get / HTTP/1.1\r\nHost: x\r\n\r\n",
    /^HTTP\/1\.1 501 Not Implemented\r\n/,
  ],
  [
    "an OPTIONS, a method it knows, gets 405 with Allow (RFC 9110 15.5.6)",
    "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
    /^HTTP\/1\.1 405 [^]*\r\nAllow: GET, HEAD\r\n/,
  ],
  [
    "an empty line before the request line is skipped (RFC 9112 2.2)",
    "\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
    /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nok\n$/,
  ],
  [
    "a header line longer than 8 KB gets 431 (RFC 6585 5)",
    `GET / HTTP/1.1\r\nHost: x\r\nX-Long: ${"a".repeat(9000)}\r\n\r\n`,
    /^HTTP\/1\.1 431 /,
  ],
  [
    "a head of 100 field lines is answered",
    "GET /healthz HTTP/1.1\r\nHost: x\r\n" + "X-F: 1\r\n".repeat(99) + "\r\n",
    /^HTTP\/1\.1 200 OK\r\n/,
  ],
  [
    "a head of 101 field lines gets 431 (RFC 6585 5)",
    "GET /healthz HTTP/1.1\r\nHost: x\r\n" + "X-F: 1\r\n".repeat(100) + "\r\n",
    /^HTTP\/1\.1 431 /,
  ],
  [
    "nine empty lines before the request line are one too many (RFC 9112 2.2)",
    "\r\n".repeat(9) + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
    /^HTTP\/1\.1 400 /,
  ],
  [
    "a HEAD gets the fields and no body (RFC 9110 9.3.2)",
    "HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
    /^HTTP\/1\.1 200 OK\r\n(?:[^\r\n]+\r\n)*Content-Length: 3\r\n(?:[^\r\n]+\r\n)*\r\n$/,
  ],
  [
    "a GET of /healthz gets ok and Connection: close",
    "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
    /^HTTP\/1\.1 200 OK\r\n(?:[^\r\n]+\r\n)*Connection: close\r\n(?:[^\r\n]+\r\n)*\r\nok\n$/,
  ],
];

for (const [name, request, expected] of WIRE_CASES) {
  Deno.test(`the status page: ${name}`, async () => {
    const server = await startStatusServer({ hostname: "127.0.0.1", port: 0 }, {
      metrics: new Metrics(),
      hostname: "mx.test",
      version: "0.0.0",
      log: new Logger({ level: "error" }),
    });
    try {
      assert.match(await exchange(server.port, request), expected);
    } finally {
      await server.close();
    }
  });
}

Deno.test("the status page's uptime stays true when the wall clock is set back a day", async () => {
  const metrics = new Metrics();
  const server = await startStatusServer({ hostname: "127.0.0.1", port: 0 }, {
    metrics,
    hostname: "mx.test",
    version: "0.0.0",
    log: new Logger({ level: "error" }),
  });
  const wallNow = Date.now;
  try {
    Date.now = () => wallNow() - 86_400_000;
    const page = await (await fetch(`http://127.0.0.1:${server.port}/`)).text();
    assert.match(page, /\nuptime [0-9]s\n/);
  } finally {
    Date.now = wallNow;
    await server.close();
  }
});

Deno.test("the 503 for a connection over the limit has no Date from when the server started", async () => {
  const RealDate = globalThis.Date;
  // The server starts "a day ago": anything it formats then carries that day.
  globalThis.Date = class extends RealDate {
    constructor(...args: unknown[]) {
      super(...((args.length === 0 ? [RealDate.now() - 86_400_000] : args) as [number]));
    }
  } as unknown as DateConstructor;
  let server;
  try {
    server = await startStatusServer({ hostname: "127.0.0.1", port: 0 }, {
      metrics: new Metrics(),
      hostname: "mx.test",
      version: "0.0.0",
      log: new Logger({ level: "error" }),
    });
  } finally {
    globalThis.Date = RealDate;
  }
  const held: Deno.Conn[] = [];
  try {
    // The page's 16 connections, each served (it answers once its request arrives).
    for (let i = 0; i < 16; i++) {
      held.push(await Deno.connect({ hostname: "127.0.0.1", port: server.port }));
    }
    const busy = await exchange(server.port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.match(busy, /^HTTP\/1\.1 503 /);
    const date = /\r\nDate: ([^\r]+)\r\n/.exec(busy)?.[1];
    if (date !== undefined) {
      const ageMs = Math.abs(RealDate.now() - RealDate.parse(date));
      assert.ok(ageMs < 3_600_000, `the 503 says Date: ${date}`);
    }
  } finally {
    for (const conn of held) conn.close();
    await server.close();
  }
});
