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

Deno.test("a message for two domains waits only when both are at their limit; the free one goes on", () => {
  const turns = new DomainTurns(1);
  turns.begin(["busy.test"]);
  // Its free.test recipients go now; the runner leaves the busy.test ones for that turn.
  assert.equal(turns.waitIfBusy("m", ["free.test", "busy.test"]), false);
  assert.deepEqual(turns.busyOf(["free.test", "busy.test"]), ["busy.test"]);
  assert.equal(turns.waitIfBusy("n", ["free.test"]), false);
  turns.begin(["free.test"]);
  assert.equal(turns.waitIfBusy("o", ["free.test", "busy.test"]), true, "both busy: it waits");
  assert.equal(turns.end("free.test"), "o", "for the first busy one's turn");
  assert.equal(turns.end("busy.test"), undefined);
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

Deno.test("waiting messages due a notice are taken once each and keep their place in line", () => {
  const turns = new DomainTurns(1);
  turns.begin(["far.test"]);
  assert.equal(turns.waitIfBusy("a", ["far.test"], 500), true);
  assert.equal(turns.waitIfBusy("b", ["far.test"], 100), true);
  assert.equal(turns.waitIfBusy("c", ["far.test"]), true, "no notice due ever");
  assert.deepEqual(turns.takeNoticeDue(50), []);
  assert.deepEqual(turns.takeNoticeDue(200), ["b"]);
  assert.deepEqual(turns.takeNoticeDue(200), [], "not taken twice");
  // Its notice pass sets it aside again with its next notice time: same place in line.
  assert.equal(turns.waitIfBusy("b", ["far.test"], 900), true);
  assert.deepEqual(turns.takeNoticeDue(600), ["a"]);
  turns.forget("a"); // its pass expired it
  assert.equal(turns.isWaiting("a"), false);
  assert.equal(turns.end("far.test"), "b", "b still before c");
  turns.begin(["far.test"]);
  assert.equal(turns.end("far.test"), "c");
});
