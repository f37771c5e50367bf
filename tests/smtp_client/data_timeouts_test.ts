/**
 * The client's deadlines while it sends a message (RFC 5321 4.5.3.2.4 to
 * 4.5.3.2.6), against a server that reads the message slowly: the 354 wait
 * does not cut the sending short, and the data-block limit applies to each
 * block sent, not to the whole message.
 */
import assert from "node:assert/strict";
import * as net from "node:net";
import { RemoteCourier } from "../../src/delivery/mod.ts";
import { Logger } from "../../src/log/mod.ts";
import { encodeEnvelopeLine, type QueuedMessage } from "../../src/spool/mod.ts";

const quiet = new Logger({ level: "error", format: "text", sink: () => {} });
const END = new TextEncoder().encode("\r\n.\r\n");

/**
 * A server that, after its 354, stops reading for `pauseMs` each time
 * another `pauseEveryBytes` of the message came in (and once at the start),
 * then answers the final dot with 250. Counts the messages it received.
 */
async function startSlowReader(options: { pauseMs: number; pauseEveryBytes: number }) {
  let received = 0;
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let isData = false;
    let text = "";
    let dataBytes = 0;
    let nextPauseAt = 0;
    let tail = new Uint8Array(0);
    const pause = () => {
      socket.pause();
      const timer = setTimeout(() => {
        timers.delete(timer);
        socket.resume();
      }, options.pauseMs);
      timers.add(timer);
    };
    socket.write("220 slow.test ESMTP\r\n");
    socket.on("data", (chunk: Uint8Array) => {
      if (isData) {
        dataBytes += chunk.length;
        const joined = new Uint8Array(tail.length + chunk.length);
        joined.set(tail);
        joined.set(chunk, tail.length);
        const window = joined.subarray(Math.max(0, joined.length - END.length));
        tail = window.slice();
        if (window.length === END.length && window.every((byte, i) => byte === END[i])) {
          isData = false;
          received++;
          socket.write("250 2.0.0 queued\r\n");
        } else if (dataBytes >= nextPauseAt) {
          nextPauseAt += options.pauseEveryBytes;
          pause();
        }
        return;
      }
      text += new TextDecoder().decode(chunk);
      let lf: number;
      while ((lf = text.indexOf("\n")) >= 0) {
        const line = text.slice(0, lf).replace(/\r$/, "").toUpperCase();
        text = text.slice(lf + 1);
        if (line.startsWith("EHLO")) socket.write("250-slow.test\r\n250 8BITMIME\r\n");
        else if (line.startsWith("DATA")) {
          socket.write("354 go ahead\r\n");
          isData = true;
          dataBytes = 0;
          nextPauseAt = options.pauseEveryBytes;
          tail = new Uint8Array(0);
          pause();
          return;
        } else if (line.startsWith("QUIT")) {
          socket.end("221 bye\r\n");
          return;
        } else socket.write("250 ok\r\n");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    received: () => received,
    close: () => {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A queued message of about `sizeBytes`: short lines, so it travels unchanged. */
function bigMessage(sizeBytes: number): QueuedMessage {
  const line = "x".repeat(98) + "\r\n";
  const body = "Subject: big\r\n\r\n" + line.repeat(Math.ceil(sizeBytes / line.length));
  const envelope = {
    qid: "qbig" + Math.random().toString(36).slice(2, 8),
    from: "alice@example.test",
    rcpts: ["bob@remote.test"],
    arrivalMs: Date.now(),
    source: "smtp" as const,
  };
  const head = encodeEnvelopeLine(envelope);
  const bytes = new Uint8Array(head.length + body.length);
  bytes.set(head);
  new TextEncoder().encodeInto(body, bytes.subarray(head.length));
  return { envelope, bytes, messageOffset: head.length };
}

async function deliverSlowly(
  reader: { pauseMs: number; pauseEveryBytes: number },
  timeouts: { dataInitMs: number; dataBlockMs: number; finalDotMs: number },
) {
  const sink = await startSlowReader(reader);
  const courier = new RemoteCourier({
    ehloName: "out.test",
    routes: [{ domain: "remote.test", hostname: "127.0.0.1", port: sink.port }],
    smarthost: null,
    smarthostTls: "none",
    isSmarthostTlsVerified: false,
    smarthostCredentials: null,
    dnsServer: null,
    mxPort: 25,
    log: quiet,
    timeouts: {
      connectMs: 10_000,
      greetingMs: 10_000,
      mailMs: 10_000,
      rcptMs: 10_000,
      ...timeouts,
    },
  });
  try {
    // 16 MB: more than the kernel buffers on both ends hold, so the sending waits for the reader.
    const outcome = (await courier.deliver(bigMessage(16 * 1024 * 1024), ["bob@remote.test"]))
      .get("bob@remote.test");
    return { outcome, received: sink.received() };
  } finally {
    await courier.close();
    await sink.close();
  }
}

Deno.test("the data-block limit bounds each block sent, not the whole message (RFC 5321 4.5.3.2.5)", async () => {
  // The reader takes the 16 MB in 1 MB steps, resting 200 ms before each: about 3 s in all,
  // twice the limits, while no single block waits longer than 200 ms.
  const { outcome, received } = await deliverSlowly(
    { pauseMs: 200, pauseEveryBytes: 1024 * 1024 },
    { dataInitMs: 1_500, dataBlockMs: 1_500, finalDotMs: 1_500 },
  );
  assert.deepEqual(outcome, { kind: "delivered", remoteMta: "127.0.0.1" });
  assert.equal(received, 1);
});

Deno.test("a server that stops reading the message still times out after the data-block limit", async () => {
  const { outcome, received } = await deliverSlowly(
    { pauseMs: 60_000, pauseEveryBytes: Infinity },
    { dataInitMs: 500, dataBlockMs: 500, finalDotMs: 500 },
  );
  assert.equal(outcome?.kind, "transient");
  assert.match(outcome.kind === "transient" ? outcome.reason : "", /stopped reading/);
  assert.equal(received, 0);
});
