/**
 * A smarthost that offers no AUTH mechanism we speak: the mail waits for the
 * operator (transient), and its status is of the class a delay carries
 * (RFC 3464 2.3.4: 4.x.x), so delay notices and `queue list` agree.
 */
import assert from "node:assert/strict";
import { RemoteCourier } from "../../src/delivery/mod.ts";
import { MESSAGE, queued, quiet } from "./remote_courier_helpers.ts";

/** A smarthost offering only CRAM-MD5; it answers QUIT and closes. */
function startCramOnlyServer() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const encoder = new TextEncoder();
  const serve = async (conn: Deno.Conn) => {
    const say = (text: string) => conn.write(encoder.encode(text));
    await say("220 relay.test ESMTP\r\n");
    const buffer = new Uint8Array(4096);
    let input = "";
    while (true) {
      const count = await conn.read(buffer);
      if (count === null) break;
      input += new TextDecoder().decode(buffer.subarray(0, count));
      if (/^EHLO [^\r\n]*\r\n/m.test(input)) {
        input = "";
        await say("250-relay.test\r\n250 AUTH CRAM-MD5\r\n");
      } else if (input.includes("QUIT\r\n")) {
        await say("221 2.0.0 bye\r\n");
        break;
      }
    }
    conn.close();
  };
  void (async () => {
    for await (const conn of listener) void serve(conn).catch(() => {});
  })().catch(() => {});
  return { port: listener.addr.port, close: () => listener.close() };
}

Deno.test("a smarthost with no AUTH mechanism we speak defers the mail with 4.7.4", async () => {
  const server = startCramOnlyServer();
  const courier = new RemoteCourier({
    ehloName: "out.test",
    routes: [],
    smarthost: { hostname: "127.0.0.1", port: server.port },
    smarthostTls: "none",
    isSmarthostTlsVerified: false,
    smarthostCredentials: { user: "u", password: "p" },
    isSmarthostInsecureAuthAllowed: true,
    dnsServer: null,
    mxPort: 25,
    log: quiet,
  });
  try {
    const outcome = (await courier.deliver(queued(MESSAGE, ["x@far.test"]), ["x@far.test"]))
      .get("x@far.test")!;
    if (outcome.kind === "delivered") throw new Error("delivered without AUTH");
    assert.equal(outcome.kind, "transient");
    assert.equal(outcome.status, "4.7.4");
    assert.match(outcome.reason, /no mechanism we can use \(CRAM-MD5\)/);
  } finally {
    await courier.close();
    server.close();
  }
});
