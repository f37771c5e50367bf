/**
 * Brute-force brake for logins, shared by submission, POP3 and IMAP.
 *
 * Per client address: the first `freeFailures` failures cost nothing, then
 * each attempt waits longer (500 ms, doubling, capped), and after
 * `blockAfterFailures` failures the address is refused for `blockMs`.
 * `windowMs` without a failure forgets the address; a successful login
 * forgives only the failures against that same account, so a guesser with
 * an account of its own cannot wipe its count by logging in to it. IPv6
 * clients are counted per /64, since one host usually owns a whole /64.
 * An address many users log in from (`isSharedClient`: a webmail on the
 * host) is counted per address and login name instead: one account's
 * guesser there must not lock every user of the webmail out.
 *
 * A password check takes a while (scrypt), so a guesser could start many at
 * once on parallel connections, all allowed before the first failure counts.
 * `begin` therefore counts each check in progress as a failure-to-be until
 * `recordFailure`, `recordSuccess` or `cancel` settles it: never more than
 * `blockAfterFailures` passwords are checked before the block.
 */
import { clientKey } from "../net/ip_text.ts";

/** The key an address is counted under (see `clientKey`). */
export const limiterKey = clientKey;

/** Options for {@link LoginLimiter}; every field has a sensible default. */
export type LoginLimiterOptions = {
  /** Failures allowed without any delay (default 3). */
  freeFailures?: number;
  /** Failures after which the address is refused outright (default 10). */
  blockAfterFailures?: number;
  /** How long a blocked address stays blocked (default 15 minutes). */
  blockMs?: number;
  /** A failure is forgotten after this long without another (default 15 minutes). */
  windowMs?: number;
  /** The first delay after the free failures (default 500); it doubles per failure. */
  baseDelayMs?: number;
  /** Upper bound of the delay (default 5000). */
  maxDelayMs?: number;
  /** How many addresses are tracked at most; the oldest is evicted (default 10,000). */
  maxTrackedIps?: number;
  /** The clock, in milliseconds (tests inject one). */
  now?: () => number;
  /**
   * Whether many users log in from `ip` (a webmail or another local
   * program): its failures are counted per login name (default: none).
   */
  isSharedClient?: (ip: string) => boolean;
};

/** The limiter's answer before a login attempt. */
export type LoginCheck = { allowed: true; delayMs: number } | {
  allowed: false;
  retryAfterMs: number;
};

type Entry = {
  failures: number;
  /** Password checks begun and not yet settled. */
  inFlight: number;
  lastFailureMs: number;
  blockedUntilMs: number;
  /** The failures by login name (`userKey`), for a success to forgive its own. */
  failuresByUser: Map<string, number>;
};

/** Longer login names are counted by their first this many characters. */
const MAX_USER_KEY_CHARS = 256;

const MINUTE_MS = 60_000;

/** Counts login failures per client address and says how long to make the next attempt wait. */
export class LoginLimiter {
  readonly #free: number;
  readonly #blockAfter: number;
  readonly #blockMs: number;
  readonly #windowMs: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #maxTracked: number;
  readonly #now: () => number;
  readonly #isSharedClient: (ip: string) => boolean;
  /** Insertion order is recency order: the first key is the oldest. */
  readonly #entries = new Map<string, Entry>();

  constructor(options: LoginLimiterOptions = {}) {
    this.#free = options.freeFailures ?? 3;
    this.#blockAfter = options.blockAfterFailures ?? 10;
    this.#blockMs = options.blockMs ?? 15 * MINUTE_MS;
    this.#windowMs = options.windowMs ?? 15 * MINUTE_MS;
    this.#baseDelayMs = options.baseDelayMs ?? 500;
    this.#maxDelayMs = options.maxDelayMs ?? 5000;
    this.#maxTracked = Math.max(1, options.maxTrackedIps ?? 10_000);
    this.#now = options.now ?? Date.now;
    this.#isSharedClient = options.isSharedClient ?? (() => false);
  }

  /**
   * Before a login attempt: whether to allow it, and how long to wait before
   * answering. Checks in progress count as failures here: with as many under
   * way as would block the address, the answer is no. A shared client is
   * judged by its count for `user` (see `isSharedClient`).
   */
  check(ip: string, user = ""): LoginCheck {
    const entry = this.#current(this.#key(ip, user));
    if (entry === undefined) return { allowed: true, delayMs: 0 };
    const now = this.#now();
    if (entry.blockedUntilMs > now) {
      return { allowed: false, retryAfterMs: entry.blockedUntilMs - now };
    }
    if (entry.failures + entry.inFlight >= this.#blockAfter) {
      return { allowed: false, retryAfterMs: this.#maxDelayMs };
    }
    const excess = entry.failures - this.#free;
    if (excess <= 0) return { allowed: true, delayMs: 0 };
    const delayMs = Math.min(this.#baseDelayMs * 2 ** Math.min(excess - 1, 30), this.#maxDelayMs);
    return { allowed: true, delayMs };
  }

  /**
   * Right before checking a password: `check`, and when allowed the check
   * counts against the address until `recordFailure`, `recordSuccess` or
   * `cancel` (when the check itself failed) settles it.
   */
  begin(ip: string, user = ""): LoginCheck {
    const verdict = this.check(ip, user);
    if (verdict.allowed) this.#touch(this.#key(ip, user)).inFlight++;
    return verdict;
  }

  /** After a failed login as `user` (settles one `begin`). */
  recordFailure(ip: string, user = ""): void {
    const entry = this.#touch(this.#key(ip, user));
    const now = this.#now();
    const key = userKey(user);
    entry.inFlight = Math.max(0, entry.inFlight - 1);
    entry.failuresByUser.set(key, (entry.failuresByUser.get(key) ?? 0) + 1);
    entry.failures++;
    entry.lastFailureMs = now;
    if (entry.failures >= this.#blockAfter) entry.blockedUntilMs = now + this.#blockMs;
  }

  /**
   * After a successful login as `user` (settles one `begin`): forgets the
   * address's failures against that account (the user's own typos); those
   * against other accounts still count.
   */
  recordSuccess(ip: string, user = ""): void {
    const key = this.#key(ip, user);
    const entry = this.#current(key);
    if (entry === undefined) return;
    const own = userKey(user);
    entry.inFlight = Math.max(0, entry.inFlight - 1);
    entry.failures = Math.max(0, entry.failures - (entry.failuresByUser.get(own) ?? 0));
    entry.failuresByUser.delete(own);
    if (entry.failures < this.#blockAfter) entry.blockedUntilMs = 0;
    if (entry.failures === 0 && entry.inFlight === 0) this.#entries.delete(key);
  }

  /** A `begin` whose password check did not finish (an error): it counts neither way. */
  cancel(ip: string, user = ""): void {
    const entry = this.#current(this.#key(ip, user));
    if (entry !== undefined) entry.inFlight = Math.max(0, entry.inFlight - 1);
  }

  /** How many addresses are being tracked (for metrics and tests). */
  get trackedCount(): number {
    return this.#entries.size;
  }

  /** What `ip`'s attempts as `user` are counted under. */
  #key(ip: string, user: string): string {
    const key = limiterKey(ip);
    return this.#isSharedClient(ip) ? `${key} ${userKey(user)}` : key;
  }

  /** The live entry for `key` (a new one if none), made the most recent; evicts the oldest. */
  #touch(key: string): Entry {
    const now = this.#now();
    const entry = this.#current(key) ??
      {
        failures: 0,
        inFlight: 0,
        lastFailureMs: now,
        blockedUntilMs: 0,
        failuresByUser: new Map(),
      };
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    while (this.#entries.size > this.#maxTracked) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
    return entry;
  }

  /**
   * The live entry for `key`, dropping it first if its block or window has
   * passed (also with checks in flight: a check never takes a window, so a
   * count that was never settled cannot hold an address for ever).
   */
  #current(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    const now = this.#now();
    // Times ahead of the clock: it was set back since (NTP, by hand). Waiting for them would
    // hold the address for as long as the step (a day set back, a day blocked): they count
    // as if they had just happened.
    if (entry.lastFailureMs > now) entry.lastFailureMs = now;
    if (entry.blockedUntilMs > now + this.#blockMs) entry.blockedUntilMs = now + this.#blockMs;
    const blockOver = entry.blockedUntilMs > 0 && entry.blockedUntilMs <= now;
    const quiet = entry.blockedUntilMs <= now && now - entry.lastFailureMs >= this.#windowMs;
    if (blockOver || quiet) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }
}

/** The key a login name's failures are counted under: as logins compare, and bounded. */
function userKey(user: string): string {
  return user.trim().toLowerCase().slice(0, MAX_USER_KEY_CHARS);
}

/**
 * Log fields for a failed login, one grep- and fail2ban-friendly line:
 * `event=auth.failed ip=1.2.3.4 user=bob@example.com proto=imap`. The user
 * name is client-supplied, so it is cut to 64 characters and stripped of
 * spaces, quotes and `=`: it can never forge an `ip=` field for fail2ban.
 */
export function formatAuthFailureFields(
  ip: string,
  user: string,
  protocol: string,
): { event: "auth.failed"; ip: string; user: string; proto: string } {
  const safeUser = user.slice(0, 64).replace(/[^\x21-\x7e]|[="\\]/g, "?");
  return { event: "auth.failed", ip, user: safeUser, proto: protocol };
}
