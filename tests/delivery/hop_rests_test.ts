/** Hops resting after a failed connection (RFC 5321 4.5.4.1): told while they rest, then forgotten. */
import assert from "node:assert/strict";
import { HopRests } from "../../src/delivery/hop_rests.ts";
import { SmtpClientError } from "../../src/smtp_client/mod.ts";

const REST_MS = 60_000;
const refused = () => new SmtpClientError("connect", "Connection refused", { status: "4.4.1" });

Deno.test("a resting hop defers with its failure until the rest is over", () => {
  const rests = new HopRests(REST_MS);
  rests.note("mx:dead.test", refused(), 1_000);
  assert.match(rests.check("mx:dead.test", 2_000)?.message ?? "", /Connection refused/);
  assert.equal(rests.check("mx:dead.test", 1_000 + REST_MS), null);
  assert.equal(rests.size, 0);
});

Deno.test("hops whose rest is over are forgotten though no message for them is tried again", () => {
  // Months of mail to domains that died (backscatter, typos): each last attempt leaves a
  // rest that nothing ever checks again. They must not pile up for the life of the process.
  const rests = new HopRests(REST_MS);
  for (let i = 0; i < 5_000; i++) rests.note(`mx:dead${i}.test`, refused(), i);
  assert.equal(rests.size, 5_000);
  const later = 5_000 + REST_MS;
  for (let i = 0; i < 5_000; i++) rests.note(`mx:gone${i}.test`, refused(), later + i);
  assert.ok(rests.size <= 5_000 * 1.1, `${rests.size} rests kept, 5000 still resting`);
  assert.match(rests.check("mx:gone4999.test", later + 5_000)?.message ?? "", /refused/);
  assert.equal(rests.check("mx:dead0.test", later + 5_000), null);
});

Deno.test("a rest that the clock put far ahead is over and forgotten too", () => {
  const rests = new HopRests(REST_MS);
  for (let i = 0; i < 1_000; i++) rests.note(`mx:ahead${i}.test`, refused(), 10 * REST_MS);
  // The clock is set back by hours: those rests end further away than any rest can.
  for (let i = 0; i < 1_000; i++) rests.note(`mx:now${i}.test`, refused(), i);
  assert.ok(rests.size <= 1_100, `${rests.size} rests kept, 1000 still resting`);
});
