/** The pool's limits, and whose turn a connection given back is, with stand-in clients. */
import assert from "node:assert/strict";
import { ClientPool, type SmtpClient } from "../../src/smtp_client/mod.ts";

/** A client the pool can keep, hand on and close; `hop` says where it was opened to. */
function standIn(hop: string): SmtpClient & { hop: string } {
  return {
    hop,
    isUsable: true,
    reset: () => Promise.resolve(true),
    abort: () => {},
    quit: () => Promise.resolve(),
    connection: { hasBufferedInput: () => false, setIdleTimeout: () => {} },
  } as unknown as SmtpClient & { hop: string };
}

/** Lets every callback already due run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("a connection given back goes to a waiter for its own hop only: never to mail for another hop", async () => {
  const pool = new ClientPool({ maxPerKey: 1, maxTotal: 1, idleMs: 60_000 });
  const a = await pool.acquire("mx:a.test", () => Promise.resolve(standIn("a")));
  const waitingB = pool.acquire("mx:b.test", () => Promise.resolve(standIn("b")));
  await settle();
  await pool.release("mx:a.test", a.client);
  const b = await waitingB;
  // Connected to a.test's MX, it would have carried b.test's mail there.
  assert.equal((b.client as SmtpClient & { hop: string }).hop, "b");
  assert.equal(b.isReused, false);
  await pool.closeAll();
});

Deno.test("no more than maxTotal connections are open at once; the next waits for one to close", async () => {
  const pool = new ClientPool({ maxPerKey: 5, maxTotal: 2, idleMs: 60_000 });
  let opened = 0;
  const open = (hop: string) => () => {
    opened++;
    return Promise.resolve(standIn(hop));
  };
  const a = await pool.acquire("mx:a.test", open("a"));
  await pool.acquire("mx:b.test", open("b"));
  let isCGiven = false;
  const waitingC = pool.acquire("mx:c.test", open("c")).then((lease) => {
    isCGiven = true;
    return lease;
  });
  await settle();
  assert.equal(opened, 2);
  assert.equal(isCGiven, false);
  await pool.release("mx:a.test", a.client);
  const c = await waitingC;
  assert.equal((c.client as SmtpClient & { hop: string }).hop, "c");
  assert.equal(opened, 3);
  await pool.closeAll();
});
