/**
 * A null MX ("0 .", RFC 7505) published next to a real MX. RFC 7505 3 says a
 * null MX stands alone, so this is a slip in the recipient's zone; the real
 * MX is used rather than the mail bounced (the null MX alone bounces 5.1.10,
 * see remote_courier_mx_test.ts). Found by mutation testing of
 * src/delivery/next_hop.ts: "every record is a null MX" could become "some
 * record is" with every MX test still passing.
 */
import assert from "node:assert/strict";
import { startFakeDns } from "../e2e/fake_dns.ts";
import { startSink } from "../e2e/smtp_sink.ts";
import { MESSAGE, mxCourier, queued } from "./remote_courier_helpers.ts";

Deno.test("MX: a null MX next to a real MX is skipped, and the mail goes to the real one", async () => {
  const sink = await startSink({}, 0);
  const dns = await startFakeDns({
    "plain.test": {
      mx: [{ preference: 0, exchange: "." }, { preference: 10, exchange: "real.plain.test" }],
    },
    "real.plain.test": { a: ["127.0.0.1"] },
  });
  const courier = mxCourier({ dnsPort: dns.port, mxPort: sink.port });
  try {
    const outcomes = await courier.deliver(queued(MESSAGE, ["x@plain.test"]), ["x@plain.test"]);
    assert.equal(outcomes.get("x@plain.test")?.kind, "delivered");
    assert.equal(sink.transactions.length, 1);
  } finally {
    await courier.close();
    await dns.close();
    await sink.close();
  }
});
