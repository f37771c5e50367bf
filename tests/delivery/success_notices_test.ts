/** Which recipients a success notice reports, and when there is none (RFC 3461 5.2.2, 5.2.7.3). */
import assert from "node:assert/strict";
import { successNoticeDue } from "../../src/delivery/success_notices.ts";
import type { QueueState, RecipientState } from "../../src/delivery/queue_state.ts";
import type { Envelope } from "../../src/spool/mod.ts";

const envelope: Envelope = {
  qid: "Q",
  from: "alice@example.test",
  rcpts: ["bob@x.test", "carol@x.test", "dave@x.test"],
  arrivalMs: 1,
  source: "smtp",
  rcptDsn: {
    "bob@x.test": { notify: ["SUCCESS"] },
    "carol@x.test": { notify: ["SUCCESS", "FAILURE"] },
    "dave@x.test": { notify: ["FAILURE"] },
  },
};

function state(
  rcpts: Record<string, Partial<RecipientState>>,
  extra: Partial<QueueState> = {},
): QueueState {
  const full: Record<string, RecipientState> = {};
  for (const [rcpt, entry] of Object.entries(rcpts)) {
    full[rcpt] = { status: "delivered", attempts: 1, ...entry };
  }
  return { rcpts: full, nextAttemptMs: 0, ...extra };
}

Deno.test("successNoticeDue() names the delivered recipients that asked for SUCCESS", () => {
  const due = successNoticeDue(
    state({ "bob@x.test": {}, "carol@x.test": {}, "dave@x.test": {} }),
    envelope,
  );
  assert.deepEqual(due, { rcpts: ["bob@x.test", "carol@x.test"], expanded: [] });
});

Deno.test("successNoticeDue() does not name a recipient again once its notice was queued", () => {
  // bob was delivered and reported at the first attempt; carol only now, at the second.
  const due = successNoticeDue(
    state({ "bob@x.test": { isReported: true }, "carol@x.test": {} }),
    envelope,
  );
  assert.deepEqual(due, { rcpts: ["carol@x.test"], expanded: [] });
  assert.equal(successNoticeDue(state({ "bob@x.test": { isReported: true } }), envelope), null);
});

Deno.test("successNoticeDue() leaves out recipients pending, failed, or passed on to a hop that reports", () => {
  const due = successNoticeDue(
    state({
      "bob@x.test": { status: "pending" },
      "carol@x.test": { status: "failed" },
      "dave@x.test": {},
    }),
    envelope,
  );
  assert.equal(due, null);
  assert.equal(successNoticeDue(state({ "bob@x.test": { isDsnPassedOn: true } }), envelope), null);
});

Deno.test("successNoticeDue() reports an expanded alias once", () => {
  const withAlias: Envelope = {
    ...envelope,
    expanded: [{ rcpt: "team@x.test", orcpt: "rfc822;Team@x.test" }],
  };
  assert.deepEqual(successNoticeDue(state({ "dave@x.test": {} }), withAlias), {
    rcpts: [],
    expanded: [{ rcpt: "team@x.test", orcpt: "rfc822;Team@x.test" }],
  });
  const reported = state({ "dave@x.test": {} }, { isExpansionReported: true });
  assert.equal(successNoticeDue(reported, withAlias), null);
});

Deno.test("successNoticeDue() gives nothing to a sender of <> or to a message that asked for nothing", () => {
  const delivered = state({ "bob@x.test": {} });
  assert.equal(successNoticeDue(delivered, { ...envelope, from: "" }), null);
  const { rcptDsn: _, ...plain } = envelope;
  assert.equal(successNoticeDue(delivered, plain), null);
});
