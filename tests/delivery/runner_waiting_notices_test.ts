/**
 * A message waiting aside for a busy destination's turn (DomainTurns) still
 * gets its delay notice and its expiry on time. Behind a tarpit (a server
 * that accepts and then stalls each attempt for the full reply timeouts) a
 * backlog waits for hours or days; its sender must not hear of it only when
 * its turn finally comes. RFC 5321 4.5.4.1: give up after the queue lifetime.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import type { Courier, DeliveryOutcome } from "../../src/delivery/mod.ts";
import { initialState, QueueStateStore } from "../../src/delivery/mod.ts";
import { type QueuedMessage, Spool } from "../../src/spool/mod.ts";
import { waitUntil } from "../e2e/harness.ts";
import { quiet, testRunner } from "./runner_fixture.ts";

const encoder = new TextEncoder();
const HOUR = 3_600_000;

/** tarpit.test stalls until released (then defers), fast.test delivers at once; notices (from <>) are delivered and kept. */
class TarpitCourier implements Courier {
  readonly tarpitAttempts: string[] = [];
  readonly delivered: string[] = [];
  readonly notices: string[] = [];
  readonly #release = Promise.withResolvers<void>();
  async deliver(message: QueuedMessage, rcpts: readonly string[]) {
    if (message.envelope.from === "") {
      this.notices.push(new TextDecoder().decode(message.bytes));
      return new Map<string, DeliveryOutcome>(rcpts.map((rcpt) => [rcpt, { kind: "delivered" }]));
    }
    if (rcpts.every((rcpt) => rcpt.endsWith("@fast.test"))) {
      for (const rcpt of rcpts) this.delivered.push(`${message.envelope.qid} ${rcpt}`);
      return new Map<string, DeliveryOutcome>(rcpts.map((rcpt) => [rcpt, { kind: "delivered" }]));
    }
    this.tarpitAttempts.push(message.envelope.qid);
    await this.#release.promise;
    const outcome: DeliveryOutcome = {
      kind: "transient",
      reason: "451 4.4.2 timeout",
      status: "4.4.2",
    };
    return new Map<string, DeliveryOutcome>(rcpts.map((rcpt) => [rcpt, outcome]));
  }
  release(): void {
    this.#release.resolve();
  }
}

/** A runner whose clock the test moves, one turn per destination, rescanning often. */
async function tarpitSetup() {
  const spoolDir = makeTestDir({ prefix: "pb-waiting-" });
  const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
  const courier = new TarpitCourier();
  const clock = { offsetMs: 0 };
  const runner = testRunner(spool, courier, {
    spoolDir,
    now: () => Date.now() + clock.offsetMs,
    perDomainConcurrency: 1,
    scanIntervalMs: 20,
    policy: { queueLifetimeMs: 10 * HOUR, delayWarningMs: 4 * HOUR },
  });
  const accept = (rcpts: string[]) =>
    spool.accept({
      envelope: { from: "sender@here.test", rcpts, source: "smtp" },
      message: encoder.encode("Subject: stuck\r\n\r\nbody\r\n"),
    });
  return { spoolDir, spool, courier, clock, runner, accept };
}

Deno.test("a message waiting for a tarpitted destination's turn gets its delay notice and expires on time", async () => {
  const { spoolDir, spool, courier, clock, runner, accept } = await tarpitSetup();
  try {
    await runner.start();
    const first = await accept(["a@tarpit.test"]);
    await waitUntil(
      () => courier.tarpitAttempts.length === 1,
      5_000,
      "the tarpit's one turn taken",
    );
    const waiting = await accept(["b@tarpit.test", "c@tarpit.test"]);
    await waitUntil(() => runner.isWaitingForTurn(waiting), 5_000, "the second message set aside");

    clock.offsetMs = 5 * HOUR; // past the delay warning, while the first attempt still stalls
    await waitUntil(
      () => courier.notices.some((text) => text.includes(waiting)),
      5_000,
      "the waiting message's delay notice",
    ).catch(() => {});
    const delay = courier.notices.find((text) => text.includes(waiting));
    assert.ok(delay, "a delay notice for the waiting message while it still waits");
    assert.match(delay, /Action: delayed/);
    assert.match(delay, /b@tarpit\.test/);
    assert.match(delay, /c@tarpit\.test/);
    assert.deepEqual(courier.tarpitAttempts, [first], "no attempt to the busy tarpit for it");
    assert.ok(runner.isWaitingForTurn(waiting), "it still waits for its turn");

    clock.offsetMs = 11 * HOUR; // past the queue lifetime
    await waitUntil(
      () => courier.notices.some((text) => text.includes(waiting) && /Action: failed/.test(text)),
      5_000,
      "the waiting message's expiry bounce",
    ).catch(() => {});
    const bounce = courier.notices.find((text) =>
      text.includes(waiting) && /Action: failed/.test(text)
    );
    assert.ok(bounce, "a bounce for the waiting message once its lifetime is over");
    assert.match(bounce, /Final-Recipient: rfc822; ?b@tarpit\.test[\s\S]*Status: 4\.4\.7/);
    assert.match(bounce, /Final-Recipient: rfc822; ?c@tarpit\.test[\s\S]*Status: 4\.4\.7/);
    await waitUntil(() => !existsSync(`${spool.msgDir}/${waiting}`), 5_000, "the message removed");
    await waitUntil(() => !runner.isWaitingForTurn(waiting), 5_000, "it waits no more");
    assert.deepEqual(courier.tarpitAttempts, [first], "never attempted to the tarpit");
    assert.equal(courier.notices.filter((text) => text.includes(waiting)).length, 2, "one each");
  } finally {
    courier.release();
    await runner.stop();
    await Deno.remove(spoolDir, { recursive: true });
  }
});

/** A state file of this version (it keeps the age), and one an older version wrote. */
const UNREAD_CASES = [
  { name: "its state file keeps its age", isAgeKept: true },
  { name: "its state file, an older version's, keeps no age", isAgeKept: false },
];

for (const { name, isAgeKept } of UNREAD_CASES) {
  Deno.test(`a message set aside unread gets its delay notice while it waits (${name})`, async () => {
    const { spoolDir, spool, courier, clock, runner, accept } = await tarpitSetup();
    try {
      const reads: string[] = [];
      const read = spool.readForAttempt.bind(spool);
      spool.readForAttempt = (held) => {
        const message = read(held);
        message.then((read) => reads.push(read.envelope.qid), () => {});
        return message;
      };
      // The rescan (every 20 ms) lists the queue only once this gate is open.
      let gate = Promise.resolve();
      const list = spool.list.bind(spool);
      spool.list = async () => {
        await gate;
        return await list();
      };
      await runner.start();
      const first = await accept(["a@tarpit.test"]);
      await waitUntil(
        () => courier.tarpitAttempts.length === 1,
        5_000,
        "the tarpit's one turn taken",
      );
      // Queued by another process (found by the rescan), tried before by an earlier run: its
      // state file lets the runner set it aside unread. Both files are there before the rescan
      // looks: one that found the message alone would take it for a new one, without a state.
      const { promise: closed, resolve: open } = Promise.withResolvers<void>();
      gate = closed;
      const other = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
      const waiting = await other.accept({
        envelope: { from: "sender@here.test", rcpts: ["b@tarpit.test"], source: "smtp" },
        message: encoder.encode("Subject: stuck\r\n\r\nbody\r\n"),
      });
      const states = new QueueStateStore({ spoolDir });
      const state = initialState(["b@tarpit.test"]);
      state.rcpts["b@tarpit.test"]!.attempts = 1;
      if (isAgeKept) state.agedFromMs = Date.now();
      await states.save(waiting, state);
      open();
      await waitUntil(() => runner.isWaitingForTurn(waiting), 5_000, "the other set aside");
      assert.deepEqual(reads, [first], "set aside unread");

      clock.offsetMs = 5 * HOUR;
      await waitUntil(
        () => courier.notices.some((text) => text.includes(waiting)),
        5_000,
        "the waiting message's delay notice",
      ).catch(() => {});
      const delay = courier.notices.find((text) => text.includes(waiting));
      assert.ok(delay, "a delay notice for the waiting message while it still waits");
      assert.match(delay, /Action: delayed/);
      assert.equal(courier.tarpitAttempts.length, 1, "no attempt to the busy tarpit for it");
      assert.ok(runner.isWaitingForTurn(waiting), "it still waits for its turn");
      assert.deepEqual(courier.tarpitAttempts, [first]);
      assert.deepEqual(
        reads.filter((qid) => qid === waiting),
        [waiting],
        "read once, for its notice",
      );
    } finally {
      courier.release();
      await runner.stop();
      await Deno.remove(spoolDir, { recursive: true });
    }
  });
}

Deno.test("a list message whose healthy domain took its part and whose tarpitted one waits bounces only the waiting recipients when it expires", async () => {
  const { spoolDir, spool, courier, clock, runner, accept } = await tarpitSetup();
  try {
    await runner.start();
    const first = await accept(["a@tarpit.test"]);
    await waitUntil(() => courier.tarpitAttempts.length === 1, 5_000, "the tarpit's turn taken");
    const list = await accept(["x@fast.test", "y@tarpit.test"]);
    await waitUntil(() => runner.isWaitingForTurn(list), 5_000, "its tarpit part set aside");
    assert.deepEqual(courier.delivered, [`${list} x@fast.test`]);

    clock.offsetMs = 11 * HOUR; // past the queue lifetime at once: no delay notice, the bounce
    await waitUntil(() => !existsSync(`${spool.msgDir}/${list}`), 5_000, "the message expired");
    await waitUntil(
      () => courier.notices.some((text) => text.includes(list)),
      5_000,
      "its bounce",
    );
    const notices = courier.notices.filter((text) => text.includes(list));
    assert.equal(notices.length, 1);
    assert.match(notices[0]!, /Final-Recipient: rfc822; ?y@tarpit\.test[\s\S]*Status: 4\.4\.7/);
    assert.doesNotMatch(notices[0]!, /Final-Recipient: rfc822; ?x@fast\.test/);

    courier.release(); // the turn comes back: nothing is left of the list message to attempt
    await waitUntil(() => runner.activeDeliveries === 0, 5_000, "the first attempt over");
    assert.deepEqual(courier.tarpitAttempts, [first]);
    assert.deepEqual(courier.delivered, [`${list} x@fast.test`], "one copy");
  } finally {
    courier.release();
    await runner.stop();
    await Deno.remove(spoolDir, { recursive: true });
  }
});
