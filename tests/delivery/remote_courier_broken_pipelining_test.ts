/**
 * A pipelining server that refuses MAIL, or every RCPT, but still answers
 * the pipelined DATA with 354 (RFC 2920 3.1 says it should not): the client
 * ends that data mode with an empty message, so the connection stays in
 * step and the next message on it goes through instead of its RSET being
 * taken as text.
 */
import assert from "node:assert/strict";
import { MESSAGE, queued, routedCourier } from "./remote_courier_helpers.ts";

/** Refuses the first MAIL (or every RCPT of it), then behaves; DATA always gets 354. Records each command. */
function startBrokenServer(refused: "MAIL" | "RCPT") {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const encoder = new TextEncoder();
  const commands: string[] = [];
  let mails = 0;
  const serve = async (conn: Deno.Conn) => {
    const say = (text: string) => conn.write(encoder.encode(text));
    await say("220 broken.test ESMTP\r\n");
    const buffer = new Uint8Array(65536);
    let input = "";
    let isInData = false;
    let isMailOk = false;
    while (true) {
      const count = await conn.read(buffer);
      if (count === null) break;
      input += new TextDecoder().decode(buffer.subarray(0, count));
      for (let end = input.indexOf("\r\n"); end >= 0; end = input.indexOf("\r\n")) {
        const line = input.slice(0, end);
        input = input.slice(end + 2);
        if (isInData) {
          if (line !== ".") continue;
          isInData = false;
          await say(isMailOk ? "250 2.0.0 queued\r\n" : "554 5.5.1 No valid transaction\r\n");
          continue;
        }
        commands.push(line.split(/[ :]/)[0]!);
        const verb = commands.at(-1)!.toUpperCase();
        if (verb === "EHLO") await say("250-broken.test\r\n250 PIPELINING\r\n");
        else if (verb === "MAIL") {
          isMailOk = mails++ > 0;
          await say(isMailOk || refused !== "MAIL" ? "250 2.1.0 ok\r\n" : "550 5.7.1 Not now\r\n");
        } else if (verb === "RCPT" && !isMailOk && refused === "RCPT") {
          await say("550 5.1.1 No such user\r\n");
        } else if (verb === "RCPT" || verb === "RSET") await say("250 2.1.5 ok\r\n");
        else if (verb === "DATA") {
          isInData = true;
          await say("354 go ahead\r\n");
        } else if (verb === "QUIT") {
          await say("221 2.0.0 bye\r\n");
          conn.close();
          return;
        } else await say("500 5.5.2 what\r\n");
      }
    }
    conn.close();
  };
  void (async () => {
    for await (const conn of listener) void serve(conn).catch(() => {});
  })().catch(() => {});
  return { port: listener.addr.port, commands, close: () => listener.close() };
}

for (const refused of ["MAIL", "RCPT"] as const) {
  Deno.test(`after ${refused === "MAIL" ? "a MAIL" : "every RCPT"} refused with DATA taken anyway, the next message on the connection is delivered`, async () => {
    const server = startBrokenServer(refused);
    const courier = routedCourier(server.port);
    try {
      const first = await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]);
      const second = await courier.deliver(queued(MESSAGE, ["y@remote.test"]), ["y@remote.test"]);
      assert.equal(first.get("x@remote.test")?.kind, "permanent");
      assert.equal(second.get("y@remote.test")?.kind, "delivered");
      assert.deepEqual(server.commands.filter((verb) => verb === "EHLO").length, 1);
    } finally {
      await courier.close();
      server.close();
    }
  });
}
