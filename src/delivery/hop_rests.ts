/**
 * Next hops that are resting after a failed connection. RFC 5321 4.5.4.1:
 * "The sender MUST delay retrying a particular destination after one
 * attempt has failed." Once no address of a hop would take a session (the
 * connection refused or timed out, a 421 greeting, ...), the other messages
 * for it are deferred with that failure for `restMs` instead of each opening
 * a connection of its own: a backlog of thousands for a dead host is not a
 * burst of thousands of connections, and where each connect waits for its
 * timeout, the domain's messages are not held up one timeout each. The first
 * attempt after the rest probes the hop again; a session that opens ends it.
 *
 * A rest nothing checks again (the domain's last message bounced or expired,
 * a dead domain mailed once) is swept out when new rests are noted, so a
 * server that runs for months does not keep every hop that ever failed.
 */
import { SmtpClientError } from "../smtp_client/mod.ts";

/** Rests are swept once this many are kept, and then at twice what the last sweep kept. */
const SWEEP_AT_LEAST = 64;

interface Rest {
  untilMs: number;
  error: SmtpClientError;
}

/** Hops that failed lately, by pool key, and the failure each gave. */
export class HopRests {
  readonly #restMs: number;
  readonly #rests = new Map<string, Rest>();
  /** The count at which `note` next sweeps out rests that are over. */
  #sweepAt = SWEEP_AT_LEAST;

  constructor(restMs: number) {
    this.#restMs = restMs;
  }

  /** How many hops are remembered as resting (for tests). */
  get size(): number {
    return this.#rests.size;
  }

  /** A session to `key` could not be opened: it rests from `nowMs`. */
  note(key: string, error: SmtpClientError, nowMs: number): void {
    this.#rests.set(key, { untilMs: nowMs + this.#restMs, error });
    if (this.#rests.size < this.#sweepAt) return;
    for (const [other, rest] of this.#rests) {
      if (this.#isOver(rest, nowMs)) this.#rests.delete(other);
    }
    this.#sweepAt = Math.max(SWEEP_AT_LEAST, 2 * this.#rests.size);
  }

  /** A session to `key` opened: it is up. */
  clear(key: string): void {
    this.#rests.delete(key);
  }

  /** Every hop is up again (`queue retry --all`: the operator wants every message tried now). */
  clearAll(): void {
    this.#rests.clear();
  }

  /**
   * The failure to defer with while `key` rests, or null when it may be
   * tried. A rest that ends further away than `restMs` (the clock was set
   * back) is over.
   */
  check(key: string, nowMs: number): SmtpClientError | null {
    const rest = this.#rests.get(key);
    if (!rest) return null;
    if (this.#isOver(rest, nowMs)) {
      this.#rests.delete(key);
      return null;
    }
    const { error } = rest;
    const until = new Date(rest.untilMs).toISOString();
    return new SmtpClientError(error.kind, `${error.message} (not tried again before ${until})`, {
      status: error.status,
      reply: error.reply,
      stage: error.stage,
      remoteMta: error.remoteMta,
    });
  }

  /** Whether `rest` is over at `nowMs`: its end passed, or lies further than a rest can (the clock was set back). */
  #isOver(rest: Rest, nowMs: number): boolean {
    return nowMs >= rest.untilMs || rest.untilMs - nowMs > this.#restMs;
  }
}
