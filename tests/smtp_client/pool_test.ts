/**
 * The connection pool keeps its books per next hop (`mx:<domain>` for mail
 * by MX): a hop with no connection left must leave nothing behind, or a
 * server that mails a new domain now and then grows for as long as it runs.
 */
import assert from "node:assert/strict";
import { ClientPool, type SmtpClient } from "../../src/smtp_client/mod.ts";
import { startFakeDns } from "../e2e/fake_dns.ts";
import { waitUntil } from "../e2e/harness.ts";
import { startSink } from "../e2e/smtp_sink.ts";
import { MESSAGE, mxCourier, queued } from "../delivery/remote_courier_helpers.ts";

const HOPS = 40;

Deno.test("hops whose connection could not be opened leave nothing in the pool", async () => {
  const pool = new ClientPool();
  for (let i = 0; i < HOPS; i++) {
    await assert.rejects(
      pool.acquire(`mx:dead${i}.test`, () => Promise.reject(new Error("Connection refused"))),
      /refused/,
    );
  }
  assert.equal(pool.hopCount, 0);
});

Deno.test("hops whose idle connections closed leave nothing in the pool, and it still works", async () => {
  const sink = await startSink({}, 0);
  const zones = Object.fromEntries(
    Array.from({ length: HOPS }, (_, i) => [`d${i}.test`, { a: ["127.0.0.1"] }]),
  );
  const dns = await startFakeDns(zones);
  const pool = new ClientPool({ idleMs: 10 });
  const courier = mxCourier({ dnsPort: dns.port, mxPort: sink.port }, { pool });
  try {
    for (let i = 0; i < HOPS; i++) {
      const rcpt = `x@d${i}.test`;
      const outcome = (await courier.deliver(queued(MESSAGE, [rcpt]), [rcpt])).get(rcpt);
      assert.equal(outcome?.kind, "delivered");
    }
    // Each hop's connection waits idle, then its timer closes it.
    await waitUntil(() => pool.hopCount === 0, 5_000, "idle connections to close");
    assert.equal(sink.transactions.length, HOPS);
    // A hop mailed again after that opens afresh and delivers.
    const rcpt = "y@d0.test";
    const again = (await courier.deliver(queued(MESSAGE, [rcpt]), [rcpt])).get(rcpt);
    assert.equal(again?.kind, "delivered");
    assert.equal(pool.hopCount, 1);
  } finally {
    await courier.close();
    await dns.close();
    await sink.close();
  }
  assert.equal(pool.hopCount, 0);
});

Deno.test("a connection the server spoke on while idle is closed and its hop forgotten", async () => {
  // The pool only asks this much of a client; a 421 waiting unread is what it checks for.
  let isBuffered = false;
  const client = {
    isUsable: true,
    reset: () => Promise.resolve(true),
    abort: () => {},
    quit: () => Promise.resolve(),
    connection: { hasBufferedInput: () => isBuffered, setIdleTimeout: () => {} },
  } as unknown as SmtpClient;
  const pool = new ClientPool({ idleMs: 60_000 });
  const lease = await pool.acquire("mx:a.test", () => Promise.resolve(client));
  await pool.release("mx:a.test", lease.client);
  assert.equal(pool.hopCount, 1);
  isBuffered = true;
  // Taken for the next message: found spoken on, closed; the fresh open fails.
  await assert.rejects(
    pool.acquire("mx:a.test", () => Promise.reject(new Error("Connection refused"))),
    /refused/,
  );
  assert.equal(pool.hopCount, 0);
});
