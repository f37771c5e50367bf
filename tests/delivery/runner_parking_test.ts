/** The delivery runner's per-domain limit: messages set aside for a busy domain always get a turn. */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type Courier,
  type DeliveryOutcome,
  DeliveryRunner,
  initialState,
  QueueStateStore,
} from "../../src/delivery/mod.ts";
import { encodeEnvelopeLine, type QueuedMessage, requestWake, Spool } from "../../src/spool/mod.ts";
import { waitUntil } from "../e2e/harness.ts";
import { quiet, testRunner } from "./runner_fixture.ts";

const encoder = new TextEncoder();

/** A remote courier whose deliveries finish when the test says so. */
class GatedCourier implements Courier {
  attempted: string[] = [];
  #open: (() => void)[] = [];
  deliver(message: QueuedMessage, rcpts: readonly string[]): Promise<Map<string, DeliveryOutcome>> {
    this.attempted.push(message.envelope.qid);
    const done = new Map<string, DeliveryOutcome>(
      rcpts.map((rcpt) => [rcpt, { kind: "delivered" }]),
    );
    return new Promise((resolve) => this.#open.push(() => resolve(done)));
  }
  finishAll(): void {
    for (const finish of this.#open.splice(0)) finish();
  }
}

/** A runner with one attempt in flight per domain, delivering everything through `remote`. */
function oneAtATimeRunner(
  spool: Spool,
  remote: GatedCourier,
  extra: { spoolDir: string; scanIntervalMs?: number },
): DeliveryRunner {
  return testRunner(spool, remote, { perDomainConcurrency: 1, ...extra });
}

Deno.test("a message deleted while it waited for its busy domain does not leave the next one waiting for ever", async () => {
  const spoolDir = makeTestDir({ prefix: "pb-parking-" });
  const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
  const remote = new GatedCourier();
  const runner = oneAtATimeRunner(spool, remote, { spoolDir, scanIntervalMs: 50 });
  try {
    await runner.start();
    const qids: string[] = [];
    for (const tag of ["first", "second", "third"]) {
      qids.push(
        await spool.accept({
          envelope: { from: "a@example.test", rcpts: ["x@far.test"], source: "smtp" },
          message: encoder.encode(`Subject: ${tag}\r\n\r\nbody\r\n`),
        }),
      );
    }
    const [first, second, third] = qids as [string, string, string];
    await waitUntil(() => remote.attempted.length === 1, 5_000, "the first attempt");
    assert.deepEqual(remote.attempted, [first], "one at a time for far.test");
    // `pillarbox queue delete` on a message waiting for far.test's turn.
    await Deno.remove(`${spool.msgDir}/${second}`);
    remote.finishAll();
    await waitUntil(() => remote.attempted.includes(third), 5_000, "the third message's turn");
    remote.finishAll();
    assert.deepEqual(remote.attempted, [first, third]);
  } finally {
    remote.finishAll();
    await runner.stop();
    await Deno.remove(spoolDir, { recursive: true });
  }
});

Deno.test("messages asked for by queue retry stay due when they wait for their domain's turn", async () => {
  const spoolDir = makeTestDir({ prefix: "pb-parking-" });
  const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
  const states = new QueueStateStore({ spoolDir });
  await states.open();
  const qids: string[] = [];
  for (const tag of ["first", "second", "third"]) {
    const qid = await spool.accept({
      envelope: { from: "a@example.test", rcpts: ["x@far.test"], source: "smtp" },
      message: encoder.encode(`Subject: ${tag}\r\n\r\nbody\r\n`),
    });
    // Deferred an hour ago with the next attempt an hour away, then `queue retry --all`.
    const state = initialState(["x@far.test"]);
    state.nextAttemptMs = Date.now() + 3_600_000;
    await states.save(qid, state);
    await requestWake(spoolDir, qid);
    qids.push(qid);
  }
  const remote = new GatedCourier();
  const runner = oneAtATimeRunner(spool, remote, { spoolDir });
  try {
    await runner.start();
    for (let turn = 1; turn <= 3; turn++) {
      await waitUntil(() => remote.attempted.length === turn, 5_000, `attempt ${turn}`);
      remote.finishAll();
    }
    assert.deepEqual([...remote.attempted].sort(), [...qids].sort());
  } finally {
    remote.finishAll();
    await runner.stop();
    await Deno.remove(spoolDir, { recursive: true });
  }
});

Deno.test("a deferred message waiting for its busy domain is read only when its turn comes", async () => {
  const spoolDir = makeTestDir({ prefix: "pb-parking-" });
  const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
  const states = new QueueStateStore({ spoolDir });
  await states.open();
  const reads: string[] = [];
  const read = spool.readForAttempt.bind(spool);
  spool.readForAttempt = (held) => {
    const message = read(held);
    message.then((read) => reads.push(read.envelope.qid), () => {});
    return message;
  };
  const remote = new GatedCourier();
  const runner = oneAtATimeRunner(spool, remote, { spoolDir, scanIntervalMs: 50 });
  try {
    await runner.start();
    const first = await spool.accept({
      envelope: { from: "a@example.test", rcpts: ["x@far.test"], source: "smtp" },
      message: encoder.encode("Subject: first\r\n\r\nbody\r\n"),
    });
    await waitUntil(() => remote.attempted.length === 1, 5_000, "the first attempt");
    // Two more, deferred once by an earlier run and due now, found by the rescan
    // while far.test's one turn is taken.
    const later: string[] = [];
    for (const tag of ["second", "third"]) {
      const qid = `later${tag}`;
      const envelope = {
        qid,
        from: "a@example.test",
        rcpts: ["x@far.test"],
        arrivalMs: Date.now(),
        source: "smtp" as const,
      };
      const body = encoder.encode(`Subject: ${tag}\r\n\r\nbody\r\n`);
      // Both files staged, then put in place back to back: a rescan must neither find the
      // message without its state (it would be read to learn where it goes, then again at its
      // turn) nor the state without its message (it would drop it as a deleted message's).
      const staged = join(spoolDir, "queue", "tmp", qid);
      await Deno.writeFile(staged, new Uint8Array([...encodeEnvelopeLine(envelope), ...body]));
      await Deno.writeTextFile(`${staged}.state`, JSON.stringify(initialState(["x@far.test"])));
      Deno.renameSync(`${staged}.state`, join(states.dir, qid));
      Deno.renameSync(staged, `${spool.msgDir}/${qid}`);
      later.push(qid);
    }
    await waitUntil(() => later.every((qid) => runner.isWaitingForTurn(qid)), 5_000, "the rescan");
    for (let turn = 1; turn <= 3; turn++) {
      await waitUntil(() => remote.attempted.length === turn, 5_000, `attempt ${turn}`);
      remote.finishAll();
    }
    await runner.stop(); // and its attempts ended
    assert.deepEqual(remote.attempted, [first, ...later]);
    assert.deepEqual(reads, [first, ...later], "each message read once");
  } finally {
    remote.finishAll();
    await runner.stop();
    await Deno.remove(spoolDir, { recursive: true });
  }
});

/** A local courier that delivers at once, and says to whom. */
class InstantCourier implements Courier {
  delivered: string[] = [];
  deliver(message: QueuedMessage, rcpts: readonly string[]): Promise<Map<string, DeliveryOutcome>> {
    for (const rcpt of rcpts) this.delivered.push(`${message.envelope.qid} ${rcpt}`);
    return Promise.resolve(new Map(rcpts.map((rcpt) => [rcpt, { kind: "delivered" }])));
  }
}

Deno.test("a message whose state file has a damaged entry for its local recipient is not set aside for its busy remote domain", async () => {
  const spoolDir = makeTestDir({ prefix: "pb-parking-" });
  const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
  await new QueueStateStore({ spoolDir }).open();
  const remote = new GatedCourier();
  const local = new InstantCourier();
  const runner = testRunner(spool, remote, {
    spoolDir,
    scanIntervalMs: 50,
    perDomainConcurrency: 1,
    local,
    isLocalDomain: (domain) => domain === "here.test",
  });
  try {
    await runner.start();
    await spool.accept({
      envelope: { from: "a@example.test", rcpts: ["x@far.test"], source: "smtp" },
      message: encoder.encode("Subject: first\r\n\r\nbody\r\n"),
    });
    await waitUntil(() => remote.attempted.length === 1, 5_000, "far.test's one turn taken");
    // Deferred once for far.test by an earlier run; the local recipient's entry is damaged,
    // which counts as pending: that part goes at once, whatever far.test is doing.
    const qid = "damagedlocal";
    const rcpts = ["x@far.test", "u@here.test"];
    const envelope = { qid, from: "a@example.test", rcpts, arrivalMs: Date.now(), source: "smtp" };
    await Deno.writeTextFile(
      `${spoolDir}/queue/state/${qid}`,
      JSON.stringify({
        rcpts: { "x@far.test": { status: "pending", attempts: 1 }, "u@here.test": { status: "?" } },
        nextAttemptMs: 0,
      }),
    );
    await Deno.writeFile(
      `${spool.msgDir}/${qid}`,
      new Uint8Array([
        ...encodeEnvelopeLine(envelope as Parameters<typeof encodeEnvelopeLine>[0]),
        ...encoder.encode("Subject: both\r\n\r\nbody\r\n"),
      ]),
    );
    await waitUntil(() => local.delivered.length > 0, 5_000, "the local recipient's copy");
    assert.deepEqual(local.delivered, [`${qid} u@here.test`]);
  } finally {
    // Attempts may still start meanwhile (far.test's next turn): let each go as it comes.
    let isStopped = false;
    void runner.stop().then(() => isStopped = true);
    await waitUntil(
      () => {
        remote.finishAll();
        return isStopped;
      },
      5_000,
      "the runner's stop",
    );
    await Deno.remove(spoolDir, { recursive: true });
  }
});

Deno.test("a message queue retry asks for while another holds its domain's turn goes when the turn comes", async () => {
  // Found by mutation testing: without the line that keeps the request of a message set aside
  // unread (by its state file) for a busy domain, it waited for its next attempt, an hour.
  const spoolDir = makeTestDir({ prefix: "pb-parking-" });
  const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
  const states = new QueueStateStore({ spoolDir });
  await states.open();
  const remote = new GatedCourier();
  const runner = oneAtATimeRunner(spool, remote, { spoolDir });
  try {
    await runner.start();
    const first = await spool.accept({
      envelope: { from: "a@example.test", rcpts: ["x@far.test"], source: "smtp" },
      message: encoder.encode("Subject: first\r\n\r\nbody\r\n"),
    });
    await waitUntil(() => remote.attempted.length === 1, 5_000, "the first attempt");
    // Deferred by an earlier run, its next attempt an hour away; then `queue retry` asks for it.
    const qid = "deferred";
    const envelope = {
      qid,
      from: "a@example.test",
      rcpts: ["x@far.test"],
      arrivalMs: Date.now(),
      source: "smtp" as const,
    };
    const state = initialState(["x@far.test"]);
    state.nextAttemptMs = Date.now() + 3_600_000;
    const staged = join(spoolDir, "queue", "tmp", qid);
    await Deno.writeFile(
      staged,
      new Uint8Array([...encodeEnvelopeLine(envelope), ...encoder.encode("Subject: x\r\n\r\n")]),
    );
    await Deno.writeTextFile(`${staged}.state`, JSON.stringify(state));
    Deno.renameSync(`${staged}.state`, join(states.dir, qid));
    Deno.renameSync(staged, `${spool.msgDir}/${qid}`);
    await requestWake(spoolDir, qid);
    await waitUntil(() => runner.isWaitingForTurn(qid), 5_000, "the request, set aside");
    remote.finishAll();
    await waitUntil(() => remote.attempted.length === 2, 5_000, "its attempt at its turn");
    assert.deepEqual(remote.attempted, [first, qid]);
  } finally {
    remote.finishAll();
    await runner.stop();
    await Deno.remove(spoolDir, { recursive: true });
  }
});
