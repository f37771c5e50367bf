/**
 * TcpTransport's promises to its owner: input is never lost or reordered
 * across a change of owner or a pause, a FIN comes after the data before it,
 * `end` sends everything queued before the FIN, and no write callback is
 * left waiting when the connection goes.
 */
import assert from "node:assert/strict";
import type { TcpTransport } from "../../src/net/tcp_transport.ts";
import type { TransportEvents } from "../../src/net/transport.ts";
import { listenOnLoopback } from "./loopback_listener.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Records what a transport tells its owner, as one string: data as text, "|end", "|close". */
function recorder() {
  const seen: string[] = [];
  const events: TransportEvents = {
    data: (chunk) => void seen.push(decoder.decode(chunk)),
    end: () => void seen.push("|end"),
    close: () => void seen.push("|close"),
    drain: () => {},
  };
  return { events, text: () => seen.join("") };
}

async function pair(): Promise<{ transport: TcpTransport; peer: Deno.TcpConn; close(): void }> {
  const server = listenOnLoopback();
  const peer = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  const transport = await server.accept();
  return {
    transport,
    peer,
    close: () => {
      transport.destroy();
      try {
        peer.close();
      } catch {
        // closed by the test
      }
      server.close();
    },
  };
}

async function readAll(peer: Deno.Conn): Promise<string> {
  const buffer = new Uint8Array(64 * 1024);
  let text = "";
  for (let n = await peer.read(buffer); n !== null; n = await peer.read(buffer)) {
    text += decoder.decode(buffer.subarray(0, n));
  }
  return text;
}

Deno.test("TcpTransport: input sent while nobody listens reaches the next owner in order", async () => {
  const { transport, peer, close } = await pair();
  try {
    const first = recorder();
    transport.listen(first.events);
    await peer.write(encoder.encode("one "));
    await sleep(50);
    transport.listen(null);
    await peer.write(encoder.encode("two "));
    await sleep(30);
    await peer.write(encoder.encode("three"));
    await peer.closeWrite();
    await sleep(50);
    const second = recorder();
    transport.listen(second.events);
    await sleep(50);
    assert.equal(first.text(), "one ");
    assert.equal(second.text(), "two three|end");
  } finally {
    close();
  }
});

Deno.test("TcpTransport: a paused owner gets nothing; on resume, the held input, then the FIN", async () => {
  const { transport, peer, close } = await pair();
  try {
    const owner = recorder();
    transport.listen(owner.events);
    transport.pause();
    await peer.write(encoder.encode("held"));
    await peer.closeWrite();
    await sleep(80);
    assert.equal(owner.text(), "");
    transport.resume();
    await sleep(50);
    assert.equal(owner.text(), "held|end");
  } finally {
    close();
  }
});

Deno.test("TcpTransport: end() sends every queued write before the FIN, then closes", async () => {
  const { transport, peer, close } = await pair();
  try {
    const owner = recorder();
    transport.listen(owner.events);
    const big = "x".repeat(3 * 1024 * 1024);
    transport.write("first\r\n");
    transport.write(encoder.encode(big));
    transport.write("last\r\n");
    transport.end();
    assert.equal(transport.isWritable, false);
    const received = await readAll(peer); // ends at our FIN
    assert.equal(received, "first\r\n" + big + "last\r\n");
    peer.close();
    for (let i = 0; i < 50 && !transport.isDestroyed; i++) await sleep(10);
    assert.equal(transport.isDestroyed, true);
    assert.equal(owner.text(), "|close");
  } finally {
    close();
  }
});

Deno.test("TcpTransport: destroy() runs the callbacks of writes still queued", async () => {
  const { transport, peer, close } = await pair();
  try {
    transport.listen(recorder().events);
    // The peer reads nothing: the first write stalls in flight, the second waits behind it.
    transport.write(new Uint8Array(16 * 1024 * 1024));
    const done: string[] = [];
    transport.write("behind", () => done.push("behind"));
    await sleep(50);
    assert.equal(done.join(","), "");
    assert.ok(transport.writableLength > 0);
    transport.destroy();
    await sleep(10);
    assert.equal(done.join(","), "behind");
    assert.equal(transport.writableLength, 0);
    // Writes after the end are dropped, and still called back.
    transport.write("late", () => done.push("late"));
    await sleep(10);
    assert.equal(done.join(","), "behind,late");
  } finally {
    peer.close();
    close();
  }
});

Deno.test("TcpTransport: strings go out as UTF-8, ASCII or not, short or long", async () => {
  const { transport, peer, close } = await pair();
  const cases = [
    "250 2.0.0 Ok\r\n",
    "250 Grüße an bücher.example\r\n",
    "550 ✉ \u{1F4E7}\r\n",
    "250-" + "y".repeat(600) + "\r\n",
    "250 " + "ä".repeat(600) + "\r\n",
    "",
  ];
  try {
    transport.listen(recorder().events);
    for (const text of cases) transport.write(text);
    transport.end();
    assert.equal(await readAll(peer), cases.join(""));
  } finally {
    close();
  }
});

Deno.test("TcpTransport: a new owner is told of a FIN and a close the previous owner saw", async () => {
  const { transport, peer, close } = await pair();
  try {
    const first = recorder();
    let isEnded = () => {};
    const ended = new Promise<void>((resolve) => isEnded = resolve);
    transport.listen({ ...first.events, end: () => (first.events.end(), isEnded()) });
    peer.close();
    await ended;
    transport.listen(null);
    const second = recorder();
    transport.listen(second.events);
    assert.equal(second.text(), "|end", "the FIN is told again");
    transport.destroy();
    assert.equal(second.text(), "|end|close");
    const third = recorder();
    transport.listen(third.events);
    assert.equal(third.text(), "|close", "the close is told again");
  } finally {
    close();
  }
});
