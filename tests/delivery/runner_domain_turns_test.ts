/**
 * Turns per domain in the runner: a message for several domains holds a turn
 * of each only while its part for that domain is in flight. A list message
 * to a healthy domain and to a tarpitting one must not keep the healthy
 * domain's turns for the minutes the tarpit takes.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Courier, DeliveryOutcome, RecipientState } from "../../src/delivery/mod.ts";
import { type QueuedMessage, Spool } from "../../src/spool/mod.ts";
import { waitUntil } from "../e2e/harness.ts";
import { quiet, testRunner } from "./runner_fixture.ts";

const encoder = new TextEncoder();

/** Delivers to fast.test at once; slow.test answers only when the test lets it. */
class TwoSpeedCourier implements Courier {
  readonly delivered: string[] = [];
  slowStarted = 0;
  readonly #slow = Promise.withResolvers<void>();
  async deliver(message: QueuedMessage, rcpts: readonly string[]) {
    if (rcpts.some((rcpt) => rcpt.endsWith("@slow.test"))) {
      this.slowStarted++;
      await this.#slow.promise;
    }
    for (const rcpt of rcpts) this.delivered.push(`${message.envelope.qid} ${rcpt}`);
    return new Map<string, DeliveryOutcome>(rcpts.map((rcpt) => [rcpt, { kind: "delivered" }]));
  }
  releaseSlow(): void {
    this.#slow.resolve();
  }
}

Deno.test("messages stuck on a slow domain do not hold the turns of their other domain", async () => {
  const spoolDir = makeTestDir({ prefix: "pb-turns-" });
  const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
  const remote = new TwoSpeedCourier();
  // The default: 4 per domain. Four list messages fill slow.test's turns.
  const runner = testRunner(spool, remote, { spoolDir });
  const accept = (rcpts: string[]) =>
    spool.accept({
      envelope: { from: "list@here.test", rcpts, source: "smtp" },
      message: encoder.encode("Subject: t\r\n\r\nbody\r\n"),
    });
  try {
    await runner.start();
    for (let i = 0; i < 4; i++) await accept([`a${i}@fast.test`, `b${i}@slow.test`]);
    await waitUntil(() => remote.slowStarted === 4, 5_000, "four attempts stuck on slow.test");
    const newcomer = await accept(["solo@fast.test"]);
    await waitUntil(
      () =>
        remote.delivered.includes(`${newcomer} solo@fast.test`) ||
        runner.isWaitingForTurn(newcomer),
      5_000,
      "the newcomer delivered or set aside",
    );
    assert.ok(
      remote.delivered.includes(`${newcomer} solo@fast.test`),
      "mail for fast.test went while slow.test was still stalling",
    );
    for (let i = 0; i < 4; i++) {
      assert.ok(
        remote.delivered.some((line) => line.endsWith(` a${i}@fast.test`)),
        `a${i}@fast.test was delivered without waiting for slow.test`,
      );
    }
    assert.equal(remote.slowStarted, 4);
  } finally {
    remote.releaseSlow();
    await runner.stop();
    await Deno.remove(spoolDir, { recursive: true });
  }
});

Deno.test("recipients a fast domain took are on disk while a slow domain of the same message stalls", async () => {
  const spoolDir = makeTestDir({ prefix: "pb-turns-" });
  const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
  const remote = new TwoSpeedCourier();
  const runner = testRunner(spool, remote, { spoolDir });
  try {
    const qid = await spool.accept({
      envelope: {
        from: "list@here.test",
        rcpts: ["a@fast.test", "b@slow.test", "c@other.test"],
        source: "smtp",
      },
      message: encoder.encode("Subject: t\r\n\r\nbody\r\n"),
    });
    await runner.start();
    await waitUntil(() => remote.delivered.length === 2, 5_000, "the fast domains' parts");
    // The server is stopped here (a restart whose grace period ran out): the next one
    // goes by the state file, and must not send a@fast.test and c@other.test a second copy.
    const path = join(spoolDir, "queue", "state", qid);
    let saved: Record<string, RecipientState> = {};
    await waitUntil(
      () => {
        try {
          saved = (JSON.parse(Deno.readTextFileSync(path)) as {
            rcpts: Record<string, RecipientState>;
          }).rcpts;
        } catch {
          return false;
        }
        return saved["a@fast.test"]?.status !== "pending" &&
          saved["c@other.test"]?.status !== "pending";
      },
      5_000,
      "a state file recording the fast domains",
    ).catch(() => {});
    assert.equal(saved["a@fast.test"]?.status, "delivered");
    assert.equal(saved["c@other.test"]?.status, "delivered");
    assert.equal(saved["b@slow.test"]?.status ?? "pending", "pending");
    remote.releaseSlow();
    await runner.stop();
    const after = JSON.parse(await Deno.readTextFile(path).catch(() => "null"));
    assert.equal(after, null, "the message is done and its state gone");
    assert.equal(remote.delivered.length, 3, "one copy each");
  } finally {
    remote.releaseSlow();
    await runner.stop();
    await Deno.remove(spoolDir, { recursive: true });
  }
});

Deno.test("a message for a busy domain and a free one delivers to the free one now and waits only for the busy one's turn", async () => {
  const spoolDir = makeTestDir({ prefix: "pb-turns-" });
  const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
  const remote = new TwoSpeedCourier();
  const runner = testRunner(spool, remote, { spoolDir, perDomainConcurrency: 2 });
  const accept = (rcpts: string[]) =>
    spool.accept({
      envelope: { from: "list@here.test", rcpts, source: "smtp" },
      message: encoder.encode("Subject: t\r\n\r\nbody\r\n"),
    });
  try {
    await runner.start();
    // A backlog for slow.test: two in flight (its limit), three waiting for a turn.
    const backlog: string[] = [];
    for (let i = 0; i < 5; i++) backlog.push(await accept([`b${i}@slow.test`]));
    await waitUntil(() => remote.slowStarted === 2, 5_000, "slow.test's two turns taken");
    const list = await accept(["a@fast.test", "z@slow.test"]);
    await waitUntil(
      () => remote.delivered.includes(`${list} a@fast.test`) || runner.isWaitingForTurn(list),
      5_000,
      "the list message delivered to fast.test or set aside",
    );
    await waitUntil(() => runner.isWaitingForTurn(list), 5_000, "the list message set aside");
    assert.ok(
      remote.delivered.includes(`${list} a@fast.test`),
      "fast.test got the list message without waiting for slow.test's backlog",
    );
    remote.releaseSlow();
    await waitUntil(() => remote.delivered.length === 7, 5_000, "everything delivered");
    await runner.stop();
    const copies = remote.delivered.filter((line) => line.startsWith(`${list} `));
    assert.deepEqual(copies.sort(), [`${list} a@fast.test`, `${list} z@slow.test`], "once each");
    // slow.test's turns still go in arrival order: the list message came after the backlog.
    const slowOrder = remote.delivered.filter((line) => line.includes("@slow.test"))
      .map((line) => line.split(" ")[0]);
    assert.equal(slowOrder.indexOf(list), 5, "after the five backlog messages");
    assert.equal(
      await Deno.readTextFile(`${spoolDir}/queue/state/${list}`).catch(() => null),
      null,
    );
  } finally {
    remote.releaseSlow();
    await runner.stop();
    await Deno.remove(spoolDir, { recursive: true });
  }
});

Deno.test("a message for a local mailbox and a busy domain delivers locally and waits for the busy domain's turn, not beyond its limit", async () => {
  const spoolDir = makeTestDir({ prefix: "pb-turns-" });
  const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
  const remote = new TwoSpeedCourier();
  const runner = testRunner(spool, remote, {
    spoolDir,
    perDomainConcurrency: 2,
    isLocalDomain: (domain) => domain === "here.test",
  });
  const accept = (rcpts: string[]) =>
    spool.accept({
      envelope: { from: "list@here.test", rcpts, source: "smtp" },
      message: encoder.encode("Subject: t\r\n\r\nbody\r\n"),
    });
  try {
    await runner.start();
    for (let i = 0; i < 2; i++) await accept([`b${i}@slow.test`]);
    await waitUntil(() => remote.slowStarted === 2, 5_000, "slow.test's two turns taken");
    const mixed = await accept(["alice@here.test", "z@slow.test"]);
    await waitUntil(() => remote.delivered.includes(`${mixed} alice@here.test`), 5_000, "local");
    await waitUntil(
      () => runner.isWaitingForTurn(mixed) || remote.slowStarted > 2,
      5_000,
      "the slow part set aside or started",
    );
    assert.equal(remote.slowStarted, 2, "slow.test stays at its limit");
    remote.releaseSlow();
    await waitUntil(() => remote.delivered.length === 4, 5_000, "everything delivered");
    assert.deepEqual(
      remote.delivered.filter((line) => line.startsWith(`${mixed} `)).sort(),
      [`${mixed} alice@here.test`, `${mixed} z@slow.test`],
      "once each",
    );
  } finally {
    remote.releaseSlow();
    await runner.stop();
    await Deno.remove(spoolDir, { recursive: true });
  }
});
