import assert from "node:assert/strict";
import { formatAuthFailureFields, limiterKey, LoginLimiter } from "../../src/auth/mod.ts";
import { formatLogfmt } from "../../src/log/mod.ts";

const MINUTE = 60_000;

function setup(options: ConstructorParameters<typeof LoginLimiter>[0] = {}) {
  const clock = { ms: 5_000_000 };
  const limiter = new LoginLimiter({ now: () => clock.ms, ...options });
  const fail = (ip: string, times: number) => {
    for (let i = 0; i < times; i++) limiter.recordFailure(ip);
  };
  return { clock, limiter, fail };
}

Deno.test("LoginLimiter allows a new address without delay", () => {
  const { limiter } = setup();
  assert.deepEqual(limiter.check("192.0.2.1"), { allowed: true, delayMs: 0 });
});

Deno.test("LoginLimiter lets the first three failures go without delay", () => {
  const { limiter, fail } = setup();
  fail("192.0.2.1", 3);
  assert.deepEqual(limiter.check("192.0.2.1"), { allowed: true, delayMs: 0 });
});

Deno.test("LoginLimiter doubles the delay after the free failures, up to the cap", () => {
  const { limiter, fail } = setup({ blockAfterFailures: 100 });
  fail("192.0.2.1", 3);
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) {
    limiter.recordFailure("192.0.2.1");
    const verdict = limiter.check("192.0.2.1");
    assert.ok(verdict.allowed);
    delays.push(verdict.delayMs);
  }
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 5000, 5000]);
});

Deno.test("LoginLimiter blocks after ten failures until the block expires", () => {
  const { limiter, fail, clock } = setup();
  fail("192.0.2.1", 9);
  assert.equal(limiter.check("192.0.2.1").allowed, true);
  limiter.recordFailure("192.0.2.1");
  assert.deepEqual(limiter.check("192.0.2.1"), { allowed: false, retryAfterMs: 15 * MINUTE });
  clock.ms += 10 * MINUTE;
  assert.deepEqual(limiter.check("192.0.2.1"), { allowed: false, retryAfterMs: 5 * MINUTE });
  clock.ms += 5 * MINUTE;
  assert.deepEqual(limiter.check("192.0.2.1"), { allowed: true, delayMs: 0 });
});

Deno.test("LoginLimiter forgets failures after a quiet window", () => {
  const { limiter, fail, clock } = setup();
  fail("192.0.2.1", 6);
  assert.deepEqual(limiter.check("192.0.2.1"), { allowed: true, delayMs: 2000 });
  clock.ms += 14 * MINUTE;
  assert.deepEqual(limiter.check("192.0.2.1"), { allowed: true, delayMs: 2000 });
  clock.ms += 1 * MINUTE;
  assert.deepEqual(limiter.check("192.0.2.1"), { allowed: true, delayMs: 0 });
});

Deno.test("LoginLimiter ends a block within its length after the clock was set back a day", () => {
  const { limiter, fail, clock } = setup();
  clock.ms = Date.UTC(2024, 0, 1);
  fail("192.0.2.1", 10);
  clock.ms -= 24 * 60 * MINUTE; // NTP steps the clock back
  assert.deepEqual(limiter.check("192.0.2.1"), { allowed: false, retryAfterMs: 15 * MINUTE });
  clock.ms += 15 * MINUTE;
  assert.deepEqual(limiter.check("192.0.2.1"), { allowed: true, delayMs: 0 });
});

Deno.test("LoginLimiter forgets failures a quiet window after the clock was set back a day", () => {
  const { limiter, fail, clock } = setup();
  clock.ms = Date.UTC(2024, 0, 1);
  fail("192.0.2.1", 6);
  clock.ms -= 24 * 60 * MINUTE;
  assert.deepEqual(limiter.check("192.0.2.1"), { allowed: true, delayMs: 2000 });
  clock.ms += 15 * MINUTE;
  assert.deepEqual(limiter.check("192.0.2.1"), { allowed: true, delayMs: 0 });
});

Deno.test("LoginLimiter resets an address after a success", () => {
  const { limiter, fail } = setup();
  fail("192.0.2.1", 8);
  limiter.recordSuccess("192.0.2.1");
  assert.deepEqual(limiter.check("192.0.2.1"), { allowed: true, delayMs: 0 });
  fail("192.0.2.1", 3);
  assert.deepEqual(limiter.check("192.0.2.1"), { allowed: true, delayMs: 0 });
});

Deno.test("LoginLimiter.begin() counts checks in progress: with ten under way the next is refused", () => {
  const { limiter } = setup();
  for (let i = 0; i < 10; i++) assert.equal(limiter.begin("192.0.2.1").allowed, true, `check ${i}`);
  assert.equal(limiter.begin("192.0.2.1").allowed, false);
  assert.equal(limiter.check("192.0.2.1").allowed, false);
  for (let i = 0; i < 10; i++) limiter.recordFailure("192.0.2.1");
  assert.deepEqual(limiter.check("192.0.2.1"), { allowed: false, retryAfterMs: 15 * MINUTE });
});

Deno.test("LoginLimiter.cancel() gives back a check that never finished", () => {
  const { limiter, fail } = setup();
  fail("192.0.2.1", 9);
  assert.equal(limiter.begin("192.0.2.1").allowed, true);
  assert.equal(limiter.begin("192.0.2.1").allowed, false, "nine failures and one under way");
  limiter.cancel("192.0.2.1");
  assert.equal(limiter.begin("192.0.2.1").allowed, true);
});

Deno.test("LoginLimiter forgets checks that were never settled after a quiet window", () => {
  const { limiter, clock } = setup();
  for (let i = 0; i < 10; i++) limiter.begin("192.0.2.1");
  assert.equal(limiter.check("192.0.2.1").allowed, false);
  clock.ms += 15 * MINUTE;
  assert.deepEqual(limiter.check("192.0.2.1"), { allowed: true, delayMs: 0 });
});

Deno.test("LoginLimiter: failures settled through begin() block at the tenth, not before", () => {
  // Each settled check stops counting as one in progress: counted twice, five would block.
  const { limiter } = setup({ baseDelayMs: 0 });
  for (let i = 0; i < 9; i++) {
    assert.equal(limiter.begin("192.0.2.1").allowed, true, `attempt ${i + 1}`);
    limiter.recordFailure("192.0.2.1", "alice@example.com");
  }
  assert.equal(limiter.begin("192.0.2.1").allowed, true, "the tenth attempt");
  limiter.recordFailure("192.0.2.1", "alice@example.com");
  assert.equal(limiter.check("192.0.2.1").allowed, false);
});

Deno.test("LoginLimiter: a success while other checks are under way keeps counting them", () => {
  const { limiter } = setup();
  for (let i = 0; i < 10; i++) assert.equal(limiter.begin("192.0.2.1").allowed, true);
  assert.equal(limiter.begin("192.0.2.1").allowed, false, "ten under way");
  // One of the ten was the guesser's own account: nine are still under way.
  limiter.recordSuccess("192.0.2.1", "mallory@example.com");
  assert.equal(limiter.begin("192.0.2.1").allowed, true, "one more may start");
  assert.equal(limiter.begin("192.0.2.1").allowed, false, "ten under way again");
});

Deno.test("LoginLimiter ends a block exactly at its length", () => {
  const { limiter, fail, clock } = setup();
  fail("192.0.2.1", 10);
  clock.ms += 15 * MINUTE - 1;
  assert.deepEqual(limiter.check("192.0.2.1"), { allowed: false, retryAfterMs: 1 });
  clock.ms += 1;
  assert.deepEqual(limiter.check("192.0.2.1"), { allowed: true, delayMs: 0 });
});

Deno.test("LoginLimiter: a success forgives that account's failures only", () => {
  const { limiter } = setup();
  for (let i = 0; i < 9; i++) limiter.recordFailure("192.0.2.1", "alice@example.test");
  limiter.recordSuccess("192.0.2.1", "mallory@example.test");
  assert.equal(limiter.check("192.0.2.1").allowed, true);
  limiter.recordFailure("192.0.2.1", "alice@example.test");
  assert.equal(limiter.check("192.0.2.1").allowed, false, "the tenth failure still blocks");
});

Deno.test("LoginLimiter: the user's own typos are forgiven, in any case of the name", () => {
  const { limiter } = setup();
  for (let i = 0; i < 6; i++) limiter.recordFailure("192.0.2.1", "Alice@Example.test");
  limiter.recordFailure("192.0.2.1", "bob@example.test");
  limiter.recordSuccess("192.0.2.1", "alice@example.test");
  assert.deepEqual(limiter.check("192.0.2.1"), { allowed: true, delayMs: 0 });
  assert.equal(limiter.trackedCount, 1, "bob's failure is still counted");
  for (let i = 0; i < 9; i++) limiter.recordFailure("192.0.2.1", "carol@example.test");
  assert.equal(limiter.check("192.0.2.1").allowed, false);
});

Deno.test("LoginLimiter does not punish other addresses", () => {
  const { limiter, fail } = setup();
  fail("192.0.2.1", 10);
  assert.equal(limiter.check("192.0.2.1").allowed, false);
  assert.deepEqual(limiter.check("192.0.2.2"), { allowed: true, delayMs: 0 });
  assert.deepEqual(limiter.check("2001:db8::1"), { allowed: true, delayMs: 0 });
});

Deno.test("LoginLimiter counts an IPv6 /64 as one client", () => {
  const { limiter, fail } = setup();
  fail("2001:db8:1:2::1", 5);
  fail("2001:db8:1:2:ffff::9", 5);
  assert.equal(limiter.check("2001:db8:1:2:aaaa:bbbb:cccc:dddd").allowed, false);
  assert.equal(limiter.check("2001:db8:1:3::1").allowed, true);
});

Deno.test("LoginLimiter tracks a bounded number of addresses, evicting the oldest", () => {
  const { limiter, fail } = setup({ maxTrackedIps: 100 });
  for (let i = 0; i < 250; i++) fail(`10.0.${i >> 8}.${i & 255}`, 10);
  assert.equal(limiter.trackedCount, 100);
  assert.equal(limiter.check("10.0.0.0").allowed, true, "the oldest was evicted");
  assert.equal(limiter.check("10.0.0.249").allowed, false, "the newest is still blocked");
});

const keyCases: { name: string; ip: string; expected: string }[] = [
  { name: "keeps an IPv4 address", ip: "192.0.2.7", expected: "192.0.2.7" },
  { name: "unwraps an IPv4-mapped IPv6 address", ip: "::ffff:192.0.2.7", expected: "192.0.2.7" },
  { name: "reduces IPv6 to its /64", ip: "2001:DB8:0:1:2:3:4:5", expected: "2001:db8:0:1::/64" },
  { name: "expands :: before reducing", ip: "2001:db8::1", expected: "2001:db8:0:0::/64" },
  { name: "handles the loopback address", ip: "::1", expected: "0:0:0:0::/64" },
  { name: "strips brackets and a zone", ip: "[fe80::1%eth0]", expected: "fe80:0:0:0::/64" },
  { name: "leaves garbage alone", ip: "not:an:ip::x::y", expected: "not:an:ip::x::y" },
];
for (const c of keyCases) {
  Deno.test(`limiterKey() ${c.name}`, () => {
    assert.equal(limiterKey(c.ip), c.expected);
  });
}

Deno.test("formatAuthFailureFields() gives fail2ban a stable event=auth.failed ip=... line", () => {
  const fields = formatAuthFailureFields("203.0.113.9", "bob@example.com", "imap");
  assert.deepEqual(fields, {
    event: "auth.failed",
    ip: "203.0.113.9",
    user: "bob@example.com",
    proto: "imap",
  });
  assert.equal(
    formatLogfmt(fields),
    "event=auth.failed ip=203.0.113.9 user=bob@example.com proto=imap",
  );
});

Deno.test("formatAuthFailureFields() stops a user name from forging an ip= field", () => {
  const fields = formatAuthFailureFields("203.0.113.9", 'x ip=198.51.100.1 "\n', "smtp");
  assert.equal(fields.user, "x?ip?198.51.100.1???");
  assert.equal(formatLogfmt(fields).match(/ip=/g)?.length, 1);
  assert.equal(formatAuthFailureFields("1.2.3.4", "a".repeat(500), "pop3").user.length, 64);
});
