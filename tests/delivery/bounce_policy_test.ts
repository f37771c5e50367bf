import assert from "node:assert/strict";
import {
  ageStartMs,
  delayNoticeRecipients,
  expireOverdue,
  failuresToBounce,
  finishedDisposition,
  isFinished,
  nextAttemptAtMs,
} from "../../src/delivery/bounce_policy.ts";
import type { QueueState, RecipientState } from "../../src/delivery/queue_state.ts";

const HOUR = 3_600_000;
const policy = { queueLifetimeMs: 5 * 24 * HOUR, delayWarningMs: 4 * HOUR };

function stateOf(rcpts: Record<string, Partial<RecipientState>>, extra: Partial<QueueState> = {}) {
  const state: QueueState = { rcpts: {}, nextAttemptMs: 0, ...extra };
  for (const [rcpt, entry] of Object.entries(rcpts)) {
    state.rcpts[rcpt] = { status: "pending", attempts: 1, ...entry };
  }
  return state;
}

Deno.test("expireOverdue() fails pending recipients with 4.4.7 once the lifetime is over", () => {
  const state = stateOf({ a: {}, b: { status: "delivered" }, c: { lastReason: "421 busy" } });
  assert.deepEqual(expireOverdue(state, { arrivalMs: 0, nowMs: policy.queueLifetimeMs, policy }), [
    "a",
    "c",
  ]);
  assert.equal(state.rcpts.a?.status, "failed");
  assert.equal(state.rcpts.c?.lastStatus, "4.4.7");
  assert.equal(state.rcpts.c?.lastReason, "421 busy", "the last error is kept for the DSN");
  assert.equal(state.rcpts.b?.status, "delivered");
});

Deno.test("expireOverdue() leaves a message younger than the lifetime alone", () => {
  const state = stateOf({ a: {} });
  assert.deepEqual(
    expireOverdue(state, { arrivalMs: 0, nowMs: policy.queueLifetimeMs - 1, policy }),
    [],
  );
  assert.equal(state.rcpts.a?.status, "pending");
});

const BOUNCES: [string, QueueState, string, string[]][] = [
  [
    "failuresToBounce() names failed recipients not yet reported",
    stateOf({
      a: { status: "failed" },
      b: { status: "failed", isReported: true },
      c: {},
    }),
    "s@x.test",
    ["a"],
  ],
  ["failuresToBounce() never bounces mail from <>", stateOf({ a: { status: "failed" } }), "", []],
];
for (const [name, state, sender, expected] of BOUNCES) {
  Deno.test(name, () => assert.deepEqual(failuresToBounce(state, sender), expected));
}

const DELAYS: [string, QueueState, { sender: string; ageMs: number }, string[]][] = [
  [
    "delayNoticeRecipients() names pending recipients after the warning time",
    stateOf({
      a: {},
      b: { status: "delivered" },
    }),
    { sender: "s@x.test", ageMs: 4 * HOUR },
    ["a"],
  ],
  ["delayNoticeRecipients() is empty before the warning time", stateOf({ a: {} }), {
    sender: "s@x.test",
    ageMs: 4 * HOUR - 1,
  }, []],
  [
    "delayNoticeRecipients() is empty once a notice was sent",
    stateOf({ a: {} }, {
      isDelayNoticeSent: true,
    }),
    { sender: "s@x.test", ageMs: 5 * HOUR },
    [],
  ],
  ["delayNoticeRecipients() is empty for mail from <>", stateOf({ a: {} }), {
    sender: "",
    ageMs: 5 * HOUR,
  }, []],
];
for (const [name, state, given, expected] of DELAYS) {
  Deno.test(name, () => {
    assert.deepEqual(
      delayNoticeRecipients(state, {
        sender: given.sender,
        arrivalMs: 0,
        nowMs: given.ageMs,
        policy,
      }),
      expected,
    );
  });
}

Deno.test("delayNoticeRecipients() is empty when the warning is disabled (0)", () => {
  const off = { ...policy, delayWarningMs: 0 };
  assert.deepEqual(
    delayNoticeRecipients(stateOf({ a: {} }), {
      sender: "s",
      arrivalMs: 0,
      nowMs: HOUR * 50,
      policy: off,
    }),
    [],
  );
});

Deno.test("isFinished() and finishedDisposition() keep failed mail from <> in the failed folder", () => {
  const done = stateOf({ a: { status: "failed" }, b: { status: "delivered" } });
  assert.equal(isFinished(done), true);
  assert.equal(isFinished(stateOf({ a: {} })), false);
  assert.equal(finishedDisposition(done, ""), "failed-folder");
  assert.equal(finishedDisposition(done, "s@x.test"), "remove");
  assert.equal(finishedDisposition(stateOf({ a: { status: "delivered" } }), ""), "remove");
});

Deno.test("nextAttemptAtMs() never schedules past the expiry moment", () => {
  const timing = { arrivalMs: 0, policy };
  assert.equal(nextAttemptAtMs({ ...timing, nowMs: HOUR, backoffMs: 60_000 }), HOUR + 60_000);
  const late = policy.queueLifetimeMs - 1000;
  assert.equal(
    nextAttemptAtMs({ ...timing, nowMs: late, backoffMs: HOUR }),
    policy.queueLifetimeMs,
  );
});

const AGE_CASES: { name: string; state: QueueState; arrivalMs: number; expected: number }[] = [
  {
    name: "ageStartMs() counts from the arrival when it is in the past",
    state: stateOf({ a: {} }),
    arrivalMs: 1_000,
    expected: 1_000,
  },
  {
    name:
      "ageStartMs() counts from now when the arrival lies in the future (a clock that was ahead)",
    state: stateOf({ a: {} }),
    arrivalMs: 10_000 + 365 * 24 * HOUR,
    expected: 10_000,
  },
  {
    name: "ageStartMs() keeps counting from the moment it recorded",
    state: stateOf({ a: {} }, { agedFromMs: 5_000 }),
    arrivalMs: 10_000 + 365 * 24 * HOUR,
    expected: 5_000,
  },
];

for (const { name, state, arrivalMs, expected } of AGE_CASES) {
  Deno.test(name, () => {
    assert.equal(ageStartMs(state, { arrivalMs, nowMs: 10_000 }), expected);
    assert.equal(ageStartMs(state, { arrivalMs, nowMs: 20_000 }), expected, "the same later");
  });
}
