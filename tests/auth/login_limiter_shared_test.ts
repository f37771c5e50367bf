/**
 * A shared client (a webmail on the host: every user logs in from its
 * address) is counted per login name, so one account's guesser there locks
 * out that account, not every user of the webmail. Any other address is
 * counted as a whole, whatever names it tries.
 */
import assert from "node:assert/strict";
import { LoginLimiter } from "../../src/auth/mod.ts";

const WEBMAIL = "127.0.0.1";
const OUTSIDE = "192.0.2.7";

function setup() {
  const clock = { ms: 5_000_000 };
  const limiter = new LoginLimiter({
    now: () => clock.ms,
    isSharedClient: (ip) => ip === WEBMAIL,
  });
  /** `times` begun and failed password checks, as the servers make them. */
  const fail = (ip: string, user: string, times: number) => {
    for (let i = 0; i < times; i++) {
      assert.equal(limiter.begin(ip, user).allowed, true, `attempt ${i + 1} as ${user}`);
      limiter.recordFailure(ip, user);
    }
  };
  return { limiter, fail };
}

Deno.test("ten failures as one name from a shared client block that name there, not another", () => {
  const { limiter, fail } = setup();
  fail(WEBMAIL, "mallory@example.test", 10);
  assert.equal(limiter.check(WEBMAIL, "mallory@example.test").allowed, false);
  assert.equal(limiter.check(WEBMAIL, "Mallory@Example.test ").allowed, false, "as logins compare");
  assert.deepEqual(limiter.check(WEBMAIL, "alice@example.test"), { allowed: true, delayMs: 0 });
  assert.equal(limiter.begin(WEBMAIL, "alice@example.test").allowed, true);
  limiter.recordSuccess(WEBMAIL, "alice@example.test");
  assert.equal(limiter.check(WEBMAIL, "mallory@example.test").allowed, false, "still blocked");
});

Deno.test("from any other address, failures count together whatever names they try", () => {
  const { limiter, fail } = setup();
  for (let i = 0; i < 10; i++) fail(OUTSIDE, `user${i}@example.test`, 1);
  assert.equal(limiter.check(OUTSIDE, "alice@example.test").allowed, false);
  assert.equal(limiter.check(OUTSIDE).allowed, false);
});

Deno.test("a shared client's checks in flight count against their own name only", () => {
  const { limiter } = setup();
  for (let i = 0; i < 10; i++) {
    assert.equal(limiter.begin(WEBMAIL, "mallory@example.test").allowed, true);
  }
  assert.equal(limiter.begin(WEBMAIL, "mallory@example.test").allowed, false, "the eleventh");
  assert.equal(limiter.begin(WEBMAIL, "alice@example.test").allowed, true);
  limiter.cancel(WEBMAIL, "alice@example.test");
  for (let i = 0; i < 10; i++) limiter.cancel(WEBMAIL, "mallory@example.test");
  assert.deepEqual(limiter.check(WEBMAIL, "mallory@example.test"), { allowed: true, delayMs: 0 });
});

Deno.test("a shared client's failures as one name slow that name down there, not another", () => {
  const { limiter, fail } = setup();
  fail(WEBMAIL, "mallory@example.test", 5);
  const verdict = limiter.check(WEBMAIL, "mallory@example.test");
  assert.ok(verdict.allowed && verdict.delayMs > 0, JSON.stringify(verdict));
  assert.deepEqual(limiter.check(WEBMAIL, "alice@example.test"), { allowed: true, delayMs: 0 });
});

Deno.test("a shared client's success as one name forgives that name's own typos there", () => {
  const { limiter, fail } = setup();
  fail(WEBMAIL, "alice@example.test", 9);
  assert.equal(limiter.begin(WEBMAIL, "alice@example.test").allowed, true);
  limiter.recordSuccess(WEBMAIL, "alice@example.test");
  assert.deepEqual(limiter.check(WEBMAIL, "alice@example.test"), { allowed: true, delayMs: 0 });
  assert.equal(limiter.trackedCount, 0);
});
