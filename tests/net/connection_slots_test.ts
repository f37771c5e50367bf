import assert from "node:assert/strict";
import { ConnectionSlots } from "../../src/net/mod.ts";

Deno.test("slots: a take past the descriptor limit waits until one is given back", async () => {
  const slots = new ConnectionSlots({ sessionLimit: 1, spare: 1 });
  const never = new AbortController().signal;
  assert.equal(await slots.take(never), true);
  assert.equal(await slots.take(never), true);
  let isTaken = false;
  const third = slots.take(never).then((taken) => (isTaken = taken));
  await Promise.resolve();
  assert.equal(isTaken, false);
  slots.give();
  assert.equal(await third, true);
  // Handed straight over: still two held.
  assert.equal(slots.held, 2);
});

Deno.test("slots: sessions past the session limit are refused until one ends", () => {
  const slots = new ConnectionSlots({ sessionLimit: 2, spare: 5 });
  assert.deepEqual([slots.claimSession(), slots.claimSession(), slots.claimSession()], [
    true,
    true,
    false,
  ]);
  slots.endSession();
  assert.equal(slots.claimSession(), true);
});

Deno.test("slots: a waiting take ends with nothing taken when its listener closes", async () => {
  const slots = new ConnectionSlots({ sessionLimit: 1, spare: 0 });
  const closing = new AbortController();
  assert.equal(await slots.take(closing.signal), true);
  const waiting = slots.take(closing.signal);
  closing.abort();
  assert.equal(await waiting, false);
  slots.give();
  assert.equal(slots.held, 0);
});

Deno.test("slots: unlimited never waits", async () => {
  const slots = ConnectionSlots.unlimited();
  const never = new AbortController().signal;
  for (let i = 0; i < 1000; i++) assert.equal(await slots.take(never), true);
  assert.equal(slots.claimSession(), true);
});

Deno.test("slots: a take whose signal is already aborted takes nothing, even with slots free", async () => {
  const slots = new ConnectionSlots({ sessionLimit: 2, spare: 0 });
  const aborted = new AbortController();
  aborted.abort();
  assert.equal(await slots.take(aborted.signal), false);
  assert.equal(slots.held, 0);
});

Deno.test("slots: a give or an end with nothing taken never counts below zero", async () => {
  const slots = new ConnectionSlots({ sessionLimit: 1, spare: 0 });
  slots.give();
  slots.endSession();
  assert.deepEqual([slots.held, slots.sessions], [0, 0]);
  // So the limit still holds: one take, then the next waits.
  assert.equal(await slots.take(new AbortController().signal), true);
  assert.equal(slots.claimSession(), true);
  assert.equal(slots.claimSession(), false);
});
