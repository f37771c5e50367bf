/**
 * Turns per destination: at most `limit` attempts in flight for one. A
 * destination is what the remote courier's connection pool limits: a
 * domain's MX hosts, or the one host that a route or the smarthost names for
 * many domains (whose 3 connections those domains share). A message over the
 * limit waits aside, without a runner slot, so a slow or dead destination
 * cannot starve the others; each attempt that ends hands its turn to the
 * longest-waiting message (FIFO).
 */
export class DomainTurns {
  readonly #limit: number;
  readonly #destinationOf: (domain: string) => string;
  /** Destination -> attempts in flight. */
  readonly #active = new Map<string, number>();
  /**
   * Destination at its limit -> messages waiting for a turn, in arrival
   * order, each with when its sender is due a notice (see `takeNoticeDue`).
   */
  readonly #waiting = new Map<string, Map<string, number>>();

  /** `destinationOf`: the destination of a remote domain's mail (the domain itself when not given). */
  constructor(limit: number, destinationOf: (domain: string) => string = (domain) => domain) {
    this.#limit = limit;
    this.#destinationOf = destinationOf;
  }

  /** The destination whose turns mail for `rcpt` takes. */
  destinationOf(rcpt: string): string {
    return this.#destinationOf(domainOf(rcpt));
  }

  /** Those of `destinations` at their limit. */
  busyOf(destinations: readonly string[]): string[] {
    return destinations.filter((destination) =>
      (this.#active.get(destination) ?? 0) >= this.#limit
    );
  }

  /**
   * Sets `qid` aside and returns true when every one of `destinations` is
   * at its limit (it waits for the first's turn). A message with a free one
   * goes now, to that one: its recipients there do not wait for another
   * destination's backlog. `noticeDueAtMs`: when its sender is due a delay
   * notice or its expiry (on the wall clock); one waiting already keeps its place.
   */
  waitIfBusy(qid: string, destinations: readonly string[], noticeDueAtMs = Infinity): boolean {
    const busy = this.busyOf(destinations);
    if (busy.length === 0 || busy.length < destinations.length) return false;
    const waiting = this.#waiting.get(busy[0]!) ?? new Map<string, number>();
    waiting.set(qid, noticeDueAtMs);
    this.#waiting.set(busy[0]!, waiting);
    return true;
  }

  /**
   * Sets `qid` aside, as `waitIfBusy`, when `rcpts` are all remote and all
   * of their destinations are at their limit (a message with a local recipient
   * never waits: that part goes at once). `noticeDueAtMs` is asked only then
   * (it may read the queue file's head); null from it: no waiting aside.
   */
  waitIfRemoteBusy(
    qid: string,
    rcpts: readonly string[],
    isLocalDomain: (domain: string) => boolean,
    noticeDueAtMs: () => number | null = () => Infinity,
  ): boolean {
    if (rcpts.some((rcpt) => isLocalDomain(domainOf(rcpt)))) return false;
    const destinations = [...new Set(rcpts.map((rcpt) => this.destinationOf(rcpt)))];
    if (this.busyOf(destinations).length < destinations.length) return false;
    const atMs = noticeDueAtMs();
    return atMs !== null && this.waitIfBusy(qid, destinations, atMs);
  }

  /** An attempt for `domains` starts. */
  begin(domains: readonly string[]): void {
    for (const domain of domains) this.#active.set(domain, (this.#active.get(domain) ?? 0) + 1);
  }

  /**
   * An attempt for `domains` (destinations) starts; returns what ends its
   * turn of one of them (once each), handing that turn to `handOn`'s
   * message. A part that ends early gives its turn back then, not when the
   * slowest of the message's destinations is done.
   */
  take(domains: readonly string[], handOn: (qid: string) => void): (domain: string) => void {
    this.begin(domains);
    const held = new Set(domains);
    return (domain) => {
      if (!held.delete(domain)) return;
      const next = this.end(domain);
      if (next !== undefined) handOn(next);
    };
  }

  /** An attempt for `domain` ended; returns the waiting message whose turn it is now. */
  end(domain: string): string | undefined {
    const active = (this.#active.get(domain) ?? 1) - 1;
    if (active > 0) this.#active.set(domain, active);
    else this.#active.delete(domain);
    const waiting = this.#waiting.get(domain);
    if (!waiting) return undefined;
    const next = waiting.keys().next();
    if (!next.done) waiting.delete(next.value);
    if (waiting.size === 0) this.#waiting.delete(domain);
    return next.done ? undefined : next.value;
  }

  /**
   * Waiting messages whose destination has turns free now, as many as it
   * has free (FIFO): a turn handed to a message that then found itself
   * deleted (`queue delete` while it waited) goes on to the next one,
   * instead of leaving the destination an attempt short.
   */
  takeFreed(): string[] {
    const freed: string[] = [];
    for (const [destination, waiting] of this.#waiting) {
      let free = this.#limit - (this.#active.get(destination) ?? 0);
      for (const qid of waiting.keys()) {
        if (free-- <= 0) break;
        waiting.delete(qid);
        freed.push(qid);
      }
      if (waiting.size === 0) this.#waiting.delete(destination);
    }
    return freed;
  }

  /**
   * A turn handed to a message that then did not attempt (not due yet, or
   * deleted in the instant between) is lost, and once its domain has nothing
   * in flight no attempt will end to hand out the next. Returns (and
   * forgets) such messages.
   */
  takeStranded(): string[] {
    const stranded: string[] = [];
    for (const [domain, waiting] of this.#waiting) {
      if ((this.#active.get(domain) ?? 0) > 0) continue;
      this.#waiting.delete(domain);
      for (const qid of waiting.keys()) stranded.push(qid); // no spread: an outage strands thousands
    }
    return stranded;
  }

  isWaiting(qid: string): boolean {
    for (const waiting of this.#waiting.values()) if (waiting.has(qid)) return true;
    return false;
  }

  /**
   * Waiting messages whose sender is due a notice by `nowMs` (delay, expiry):
   * they stay in their place in line, and are not returned again until set
   * aside anew with their next notice time. A backlog behind a tarpit waits
   * for hours, and its senders must not hear of it only when its turn comes.
   */
  takeNoticeDue(nowMs: number): string[] {
    const due: string[] = [];
    for (const waiting of this.#waiting.values()) {
      for (const [qid, atMs] of waiting) {
        if (atMs > nowMs) continue;
        waiting.set(qid, Infinity);
        due.push(qid);
      }
    }
    return due;
  }

  /** `qid` waits no more (finished, or deleted): a turn is never handed to it. */
  forget(qid: string): void {
    for (const [destination, waiting] of this.#waiting) {
      if (waiting.delete(qid) && waiting.size === 0) this.#waiting.delete(destination);
    }
  }
}

/** The domain of an address, lower-cased. */
export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf("@") + 1).toLowerCase();
}
