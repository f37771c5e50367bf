/**
 * A smarthost that offers no AUTH mechanism we speak: the mail waits for the
 * operator (transient), and its status is of the class a delay carries
 * (RFC 3464 2.3.4: 4.x.x), so delay notices and `queue list` agree.
 */
import assert from "node:assert/strict";
import { RemoteCourier } from "../../src/delivery/mod.ts";
import { startLineServer } from "./line_server.ts";
import { MESSAGE, queued, quiet } from "./remote_courier_helpers.ts";

/** A smarthost offering only CRAM-MD5; it answers QUIT and closes. */
function startCramOnlyServer() {
  return startLineServer({
    greeting: "220 relay.test ESMTP",
    answer: (line) =>
      /^EHLO /i.test(line)
        ? { reply: "250-relay.test\n250 AUTH CRAM-MD5" }
        : /^QUIT/i.test(line)
        ? { reply: "221 2.0.0 bye", close: true }
        : {},
  });
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
