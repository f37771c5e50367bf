/**
 * The remote courier reads a peer's replies the same however TCP cuts them:
 * each reply written whole, one byte per write, or cut right after every CR
 * (inside the CRLF) and inside the multiline separators, or the replies to a
 * pipelined group coalesced into one write. The outcome of every
 * recipient and the message the peer received must not change.
 */
import assert from "node:assert/strict";
import { MESSAGE, queued, routedCourier } from "./remote_courier_helpers.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The replies, multiline where the grammar allows it. */
const REPLIES = {
  greeting: "220-odd.test first line\r\n220 odd.test ready\r\n",
  ehlo: "250-odd.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 1000000\r\n",
  mail: "250 2.1.0 ok\r\n",
  rcptGood: "250 2.1.5 ok\r\n",
  rcptBad: "550-5.1.1 no such\r\n550 5.1.1 user here\r\n",
  data: "354 go ahead\r\n",
  dot: "250-2.0.0 queued\r\n250 2.0.0 as ABC\r\n",
  quit: "221 2.0.0 bye\r\n",
};

type Cutter = (reply: string) => number[];
const CUTTERS: Record<string, Cutter> = {
  whole: () => [],
  bytes: (reply) => [...Array(reply.length - 1).keys()].map((i) => i + 1),
  "inside CRLF": (reply) => [...reply.matchAll(/\r/g)].map((m) => m.index + 1),
  "after code": (reply) => [...reply.matchAll(/^\d{3}/gm)].map((m) => m.index + 3),
  "before CR": (reply) => [...reply.matchAll(/\r/g)].map((m) => m.index),
};

/**
 * A peer that writes each reply cut by `cut`, with a pause after each piece;
 * or with `coalesced`, the replies to all the lines of one read in one write.
 */
function startCuttingPeer(cut: Cutter, coalesced = false) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const received: string[] = [];
  let pending = "";
  const say = async (conn: Deno.Conn, reply: string) => {
    if (coalesced) return void (pending += reply);
    let start = 0;
    for (const end of [...cut(reply), reply.length]) {
      await conn.write(encoder.encode(reply.slice(start, end)));
      start = end;
      if (end < reply.length) await new Promise((resolve) => setTimeout(resolve, 1));
    }
  };
  const serve = async (conn: Deno.TcpConn) => {
    conn.setNoDelay(true);
    await say(conn, REPLIES.greeting);
    const buffer = new Uint8Array(4096);
    let input = "";
    let isData = false;
    while (true) {
      if (isData) {
        const end = input.indexOf("\r\n.\r\n");
        if (end >= 0) {
          received.push(input.slice(0, end + 2));
          input = input.slice(end + 5);
          isData = false;
          await say(conn, REPLIES.dot);
          continue;
        }
      } else {
        const end = input.indexOf("\r\n");
        if (end >= 0) {
          const line = input.slice(0, end);
          input = input.slice(end + 2);
          const verb = line.slice(0, 4).toUpperCase();
          if (verb === "RCPT") {
            await say(conn, line.includes("bad@") ? REPLIES.rcptBad : REPLIES.rcptGood);
          } else if (verb === "DATA") {
            isData = true;
            await say(conn, REPLIES.data);
          } else if (verb === "QUIT") {
            await say(conn, REPLIES.quit);
            if (pending !== "") await conn.write(encoder.encode(pending));
            return conn.close();
          } else await say(conn, verb === "EHLO" ? REPLIES.ehlo : REPLIES.mail);
          continue;
        }
      }
      if (pending !== "") await conn.write(encoder.encode(pending));
      pending = "";
      const count = await conn.read(buffer);
      if (count === null) break;
      input += decoder.decode(buffer.subarray(0, count));
    }
    conn.close();
  };
  void (async () => {
    for await (const conn of listener) void serve(conn).catch(() => {});
  })().catch(() => {});
  return { port: listener.addr.port, received, close: () => listener.close() };
}

Deno.test("the courier reads multiline replies the same however the peer's writes are cut", async () => {
  const outcomes: Record<string, string> = {};
  for (const [name, cut] of [...Object.entries(CUTTERS), ["coalesced", null] as const]) {
    const peer = cut === null ? startCuttingPeer(() => [], true) : startCuttingPeer(cut);
    const courier = routedCourier(peer.port, { smarthostTls: "none" });
    try {
      const rcpts = ["good@remote.test", "bad@remote.test"];
      const result = await courier.deliver(queued(MESSAGE, rcpts), rcpts);
      const each = rcpts.map((rcpt) => {
        const outcome = result.get(rcpt);
        return `${rcpt}: ${outcome?.kind} ${JSON.stringify(outcome)}`;
      });
      outcomes[name] = [...each, ...peer.received].join("\n");
    } finally {
      await courier.close();
      peer.close();
    }
  }
  const whole = outcomes.whole!;
  assert.match(whole, /^good@remote\.test: delivered /m);
  assert.match(whole, /^bad@remote\.test: permanent .*5\.1\.1/m);
  for (const [name, outcome] of Object.entries(outcomes)) {
    assert.equal(outcome, whole, `replies cut ${name}`);
  }
});
