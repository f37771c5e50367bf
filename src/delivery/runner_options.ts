/** What the delivery runner needs from the composition root (see runner.ts). */
import type { Logger } from "../log/mod.ts";
import type { Spool } from "../spool/mod.ts";
import type { BouncePolicy } from "./bounce_policy.ts";
import type { Courier } from "./outcome.ts";

/** The runner's collaborators and policy. */
export interface RunnerOptions {
  spool: Spool;
  spoolDir: string;
  log: Logger;
  local: Courier;
  remote: Courier;
  isLocalDomain: (domain: string) => boolean;
  /** Messages processed at once. */
  concurrency?: number;
  /** Delay before the next attempt after `attempts` transient failures. */
  retryDelayMs: (attempts: number) => number;
  /**
   * The longest delay `retryDelayMs` gives (jitter included). A next attempt
   * further away than that was set by a clock that was ahead and has been set
   * right since: the message is due now, or it would wait for the wrong
   * clock's day, past its queue lifetime. Unbounded when not given.
   */
  longestRetryDelayMs?: number;
  /** The wall clock in ms (what queue files and state files record); tests set one back. */
  now?: () => number;
  /** Our name, for DSNs (Reporting-MTA). */
  hostname: string;
  /** Queue lifetime and delay warning (`--queue-lifetime`, `--delay-warning`). */
  policy: BouncePolicy;
  /** Full queue rescan period (default 10 s). */
  scanIntervalMs?: number;
  /**
   * Messages in flight per destination (see DomainTurns; default 4: the pool's 3
   * connections per hop and one message read and ready for the first that
   * frees). A message whose domain is at the limit waits aside without a
   * runner slot, so it takes four slow or dead destinations at once to fill
   * the runner's 16 slots (at 8, two did).
   */
  perDomainConcurrency?: number;
  /** Bytes of big messages attempts may hold at once (see MemoryBudget); 32 MiB. */
  maxInFlightMessageBytes?: number;
  /**
   * Final recipients of a notice to `address` (alias expansion, as for any
   * mail queued here); the address alone when not given.
   */
  resolveNoticeRecipients?: (address: string) => Promise<string[]>;
}
