/**
 * IdleTimer: one timer for a connection's idle timeout and its deadline.
 * Setting either again must not cost a new timer while the armed one fires
 * soon enough (an SMTP client sets both for every reply it waits for).
 */
import assert from "node:assert/strict";
import { IdleTimer } from "../../src/net/idle_timer.ts";
import { waitUntil } from "../e2e/harness.ts";

/** Runs `body` counting the timers it creates. */
async function countingTimers(body: () => Promise<void> | void): Promise<number> {
  const original = globalThis.setTimeout;
  let created = 0;
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
    created++;
    return original(...args);
  }) as typeof setTimeout;
  try {
    await body();
  } finally {
    globalThis.setTimeout = original;
  }
  return created;
}

Deno.test("the same idle timeout and deadline set again and again arm no new timer", async () => {
  let timer: IdleTimer | null = null;
  const created = await countingTimers(() => {
    timer = new IdleTimer(60_000, () => {});
    for (let i = 0; i < 100; i++) {
      timer.restart(60_000);
      timer.setDeadline(60_000, () => {});
      timer.clearDeadline();
    }
  });
  (timer as IdleTimer | null)?.stop();
  assert.equal(created, 1, "only the first");
});

Deno.test("a shorter idle timeout than the armed one takes effect", async () => {
  let idle = false;
  const timer = new IdleTimer(60_000, () => idle = true);
  try {
    timer.restart(5);
    await waitUntil(() => idle, 5_000, "the idle timeout");
  } finally {
    timer.stop();
  }
});

Deno.test("a deadline fires while activity keeps the idle timeout away", async () => {
  let idle = false;
  let expired = false;
  const timer = new IdleTimer(10_000, () => idle = true);
  const busy = setInterval(() => timer.touch(), 2);
  try {
    timer.setDeadline(30, () => expired = true);
    await waitUntil(() => expired, 5_000, "the deadline");
    assert.equal(idle, false);
  } finally {
    clearInterval(busy);
    timer.stop();
  }
});

Deno.test("a cleared deadline does not fire, and the next one does", async () => {
  const fired: string[] = [];
  const timer = new IdleTimer(10_000, () => fired.push("idle"));
  try {
    timer.setDeadline(10, () => fired.push("first"));
    timer.clearDeadline();
    timer.setDeadline(40, () => fired.push("second"));
    await waitUntil(() => fired.length > 0, 5_000, "a deadline");
    assert.deepEqual(fired, ["second"]);
  } finally {
    timer.stop();
  }
});

Deno.test("a stopped idle timeout stays stopped, but a deadline set after it fires", async () => {
  const fired: string[] = [];
  const timer = new IdleTimer(5, () => fired.push("idle"));
  try {
    timer.stop();
    timer.setDeadline(30, () => fired.push("deadline"));
    await waitUntil(() => fired.length > 0, 5_000, "the deadline");
    assert.deepEqual(fired, ["deadline"]);
  } finally {
    timer.stop();
  }
});

Deno.test("a stopped idle timeout started again fires (as after a STARTTLS handshake)", async () => {
  // The connection stops its idle timer while the TLS handshake runs and restarts it after:
  // a client silent inside TLS must still be cut off.
  const fired: string[] = [];
  const timer = new IdleTimer(5, () => fired.push("idle"));
  try {
    timer.stop();
    timer.restart();
    await waitUntil(() => fired.length > 0, 5_000, "the idle timeout");
    assert.deepEqual(fired, ["idle"]);
  } finally {
    timer.stop();
  }
});

/**
 * Runs `body` on a fake clock (performance.now and setTimeout): timers fire
 * only as `advance(ms)` moves the time on, each at its own time, in order.
 */
function onFakeClock(body: (advance: (ms: number) => void) => void): void {
  const real = {
    setTimeout: globalThis.setTimeout,
    clearTimeout: globalThis.clearTimeout,
    unrefTimer: Deno.unrefTimer,
  };
  const fakeDeno = Deno as { unrefTimer: (id: number) => void };
  let nowMs = 0;
  let nextId = 1;
  const timers = new Map<number, { atMs: number; fire: () => void }>();
  globalThis.setTimeout = ((fire: () => void, delayMs = 0) => {
    timers.set(nextId, { atMs: nowMs + Math.max(0, delayMs), fire });
    return nextId++;
  }) as unknown as typeof setTimeout;
  globalThis.clearTimeout = ((id: number) => timers.delete(id)) as typeof clearTimeout;
  fakeDeno.unrefTimer = () => {};
  Object.defineProperty(performance, "now", { value: () => nowMs, configurable: true });
  const advance = (ms: number) => {
    const untilMs = nowMs + ms;
    while (true) {
      const due = [...timers].filter(([, timer]) => timer.atMs <= untilMs)
        .sort(([a, x], [b, y]) => x.atMs - y.atMs || a - b)[0];
      if (due === undefined) break;
      timers.delete(due[0]);
      nowMs = Math.max(nowMs, due[1].atMs);
      due[1].fire();
    }
    nowMs = untilMs;
  };
  try {
    body(advance);
  } finally {
    globalThis.setTimeout = real.setTimeout;
    globalThis.clearTimeout = real.clearTimeout;
    fakeDeno.unrefTimer = real.unrefTimer;
    delete (performance as { now?: unknown }).now; // the prototype's again
  }
}

Deno.test("a deadline fires when it is due even when the idle timeout fires first and starts again", () => {
  onFakeClock((advance) => {
    const fired: string[] = [];
    // As a connection's timer does when nobody waits for input (the peer is not the slow one).
    const timer: IdleTimer = new IdleTimer(50, () => {
      fired.push(`idle at ${performance.now()}`);
      timer.restart();
    });
    try {
      timer.setDeadline(60, () => fired.push(`deadline at ${performance.now()}`));
      advance(70);
      assert.deepEqual(fired, ["idle at 50", "deadline at 60"]);
    } finally {
      timer.stop();
    }
  });
});

Deno.test("a deadline fires when it is due after the idle timeout fired and was not started again", () => {
  onFakeClock((advance) => {
    const fired: string[] = [];
    const timer = new IdleTimer(50, () => fired.push(`idle at ${performance.now()}`));
    try {
      timer.setDeadline(60, () => fired.push(`deadline at ${performance.now()}`));
      advance(70);
      assert.equal(fired[0], "idle at 50");
      // (The idle callback may be told again: a timed-out connection ignores it.)
      assert.deepEqual(fired.filter((event) => event.startsWith("deadline")), ["deadline at 60"]);
    } finally {
      timer.stop();
    }
  });
});

Deno.test("a deadline set before the idle timeout is stopped still fires (its setter may wait on it)", async () => {
  const fired: string[] = [];
  const timer = new IdleTimer(5, () => fired.push("idle"));
  try {
    timer.setDeadline(30, () => fired.push("deadline"));
    timer.stop();
    await waitUntil(() => fired.length > 0, 5_000, "the deadline");
    assert.deepEqual(fired, ["deadline"]);
  } finally {
    timer.clearDeadline();
    timer.stop();
  }
});
