import assert from "node:assert/strict";
import { DomainTurns } from "../../src/delivery/domain_turns.ts";

Deno.test("a domain at its limit sets messages aside; each ended attempt hands its turn on, oldest first", () => {
  const turns = new DomainTurns(2);
  assert.equal(turns.waitIfBusy("a", ["far.test"]), false);
  turns.begin(["far.test"]);
  assert.equal(turns.waitIfBusy("b", ["far.test"]), false);
  turns.begin(["far.test"]);
  assert.equal(turns.waitIfBusy("c", ["far.test"]), true);
  assert.equal(turns.waitIfBusy("d", ["far.test"]), true);
  assert.equal(turns.isWaiting("c"), true);
  assert.equal(turns.isWaiting("a"), false);
  assert.equal(turns.end("far.test"), "c");
  assert.equal(turns.end("far.test"), "d");
  assert.equal(turns.end("far.test"), undefined);
  assert.equal(turns.isWaiting("d"), false);
});

Deno.test("a message for two domains waits when either is at its limit; other domains go on", () => {
  const turns = new DomainTurns(1);
  turns.begin(["busy.test"]);
  assert.equal(turns.waitIfBusy("m", ["free.test", "busy.test"]), true);
  assert.equal(turns.waitIfBusy("n", ["free.test"]), false);
  turns.begin(["free.test"]);
  assert.equal(turns.end("free.test"), undefined, "nothing waits for free.test");
  assert.equal(turns.end("busy.test"), "m");
});

Deno.test("waiting messages are stranded only when their domain has nothing in flight", () => {
  const turns = new DomainTurns(1);
  turns.begin(["far.test"]);
  turns.waitIfBusy("b", ["far.test"]);
  turns.waitIfBusy("c", ["far.test"]);
  assert.deepEqual(turns.takeStranded(), [], "an attempt in flight will hand out the next turn");
  // The turn goes to b, which then never attempts (deleted): c would wait for ever.
  assert.equal(turns.end("far.test"), "b");
  assert.deepEqual(turns.takeStranded(), ["c"]);
  assert.equal(turns.isWaiting("c"), false);
  assert.deepEqual(turns.takeStranded(), []);
});

Deno.test("200,000 messages stranded behind one domain come back, none lost (a queue after a long outage)", () => {
  const turns = new DomainTurns(1);
  turns.begin(["far.test"]);
  for (let i = 0; i < 200_001; i++) turns.waitIfBusy(`q${i}`, ["far.test"]);
  assert.equal(turns.end("far.test"), "q0");
  const stranded = turns.takeStranded();
  assert.equal(stranded.length, 200_000);
  assert.equal(stranded[0], "q1");
  assert.equal(stranded.at(-1), "q200000");
});
