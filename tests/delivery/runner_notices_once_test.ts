/**
 * A message whose recipients are not all done is attempted again and again;
 * what it has already told its sender must not be told again at each retry.
 * A failure notice names each failed recipient once (RFC 3464 2: a DSN
 * reports a recipient's final status, and it is final once), and the delay
 * notice goes once however many retries follow it (README: "one delayed
 * notice"). Found by mutation testing: with the lines that record either
 * notice as sent deleted, the delivery tests still passed.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import type { Courier, DeliveryOutcome } from "../../src/delivery/mod.ts";
import { type QueuedMessage, Spool } from "../../src/spool/mod.ts";
import { waitUntil } from "../e2e/harness.ts";
import { quiet, testRunner } from "./runner_fixture.ts";

const encoder = new TextEncoder();
const HOUR_MS = 3_600_000;
const ATTEMPTS = 3;
const LIFETIME_MS = 100 * HOUR_MS;

/** a@ fails for good, every other recipient is deferred at every attempt; notices are delivered. */
class AlwaysDeferringCourier implements Courier {
  readonly notices: string[] = [];
  attempts = 0;
  deliver(message: QueuedMessage, rcpts: readonly string[]) {
    const outcomes = new Map<string, DeliveryOutcome>();
    if (message.envelope.from === "") {
      this.notices.push(new TextDecoder().decode(message.bytes));
      for (const rcpt of rcpts) outcomes.set(rcpt, { kind: "delivered" });
      return Promise.resolve(outcomes);
    }
    this.attempts++;
    for (const rcpt of rcpts) {
      outcomes.set(
        rcpt,
        rcpt.startsWith("a@")
          ? {
            kind: "permanent",
            reason: "550 5.1.1 no such user",
            status: "5.1.1",
            remoteMta: "mx.far.test",
          }
          : {
            kind: "transient",
            reason: "451 4.3.0 try later",
            status: "4.3.0",
            remoteMta: "mx.far.test",
          },
      );
    }
    return Promise.resolve(outcomes);
  }
}

/**
 * Runs `ATTEMPTS` attempts of one message to `rcpts`; returns the notices'
 * texts, sent or queued, and the message's arrival.
 */
async function noticesAfterRetries(
  rcpts: string[],
  options: { delayWarningMs: number },
): Promise<{ notices: string[]; arrivalMs: number }> {
  const spoolDir = makeTestDir({ prefix: "pb-notices-once-" });
  const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
  const courier = new AlwaysDeferringCourier();
  const runner = testRunner(spool, courier, {
    spoolDir,
    retryDelayMs: () => 0,
    policy: { queueLifetimeMs: LIFETIME_MS, delayWarningMs: options.delayWarningMs },
    // Two hours after its arrival: past an hour's delay warning from the first attempt on.
    now: () => Date.now() + 2 * HOUR_MS,
  });
  try {
    const original = await spool.accept({
      envelope: { from: "alice@example.test", rcpts, source: "smtp" },
      message: encoder.encode("Subject: hi\r\n\r\nbody\r\n"),
    });
    const { arrivalMs } = (await spool.read(original)).envelope;
    await runner.start();
    await waitUntil(() => courier.attempts >= ATTEMPTS, 10_000, `${ATTEMPTS} attempts`);
    await runner.stop();
    const queued: string[] = [];
    for (const qid of await spool.list()) {
      if (qid === original) continue;
      queued.push(await Deno.readTextFile(`${spool.msgDir}/${qid}`));
    }
    return { notices: [...courier.notices, ...queued], arrivalMs };
  } finally {
    await runner.stop();
    await Deno.remove(spoolDir, { recursive: true });
  }
}

Deno.test("a recipient that failed for good is in one failure notice, not one per retry of the others", async () => {
  const { notices } = await noticesAfterRetries(["a@far.test", "b@far.test"], {
    delayWarningMs: 0,
  });
  assert.equal(notices.length, 1, notices.join("\n----\n"));
  // What the server said, where (RFC 3464 2.3.4 to 2.3.6), for the one recipient it refused.
  assert.match(
    notices[0]!,
    /Final-Recipient: rfc822; ?a@far\.test\r\nAction: failed\r\nStatus: 5\.1\.1\r\nRemote-MTA: dns; mx\.far\.test\r\nDiagnostic-Code: smtp; 550 5\.1\.1 no such user\r\n/,
  );
  assert.doesNotMatch(notices[0]!, /b@far\.test/);
  // RFC 3464 2.3.7: when that attempt was.
  assert.match(notices[0]!, /\r\nLast-Attempt-Date: [^\r\n]+\r\n/);
});

Deno.test("the delay notice goes once, not at every retry after the delay warning, and says until when", async () => {
  const { notices, arrivalMs } = await noticesAfterRetries(["b@far.test"], {
    delayWarningMs: HOUR_MS,
  });
  assert.equal(notices.length, 1, notices.join("\n----\n"));
  assert.match(
    notices[0]!,
    /Final-Recipient: rfc822; ?b@far\.test\r\nAction: delayed\r\nStatus: 4\.3\.0\r\nRemote-MTA: dns; mx\.far\.test\r\nDiagnostic-Code: smtp; 451 4\.3\.0 try later\r\n/,
  );
  // RFC 3464 2.3.9: Will-Retry-Until is when the queue gives up: the arrival plus the lifetime.
  const until = /Will-Retry-Until: ([^\r\n]+)/.exec(notices[0]!)?.[1] ?? "";
  const expected = Math.floor((arrivalMs + LIFETIME_MS) / 1000) * 1000;
  assert.equal(Date.parse(until), expected, until);
});
