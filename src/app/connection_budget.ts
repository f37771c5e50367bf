/**
 * The process-wide connection limit `serve` derives at start from the file
 * descriptors it can still open (RLIMIT_NOFILE). Per-listener limits cannot
 * do it alone: seven listeners of 256 connections need 1,792 descriptors,
 * more than many hosts allow, and a server that ran itself out of them
 * failed every spool and mailbox file, and Deno 2.9 could even panic (see
 * log/error_text.ts). So every listener takes its connections from one
 * shared count (net/connection_slots.ts) sized to leave the spool its
 * headroom (message files, the fsync folder handles, the spare pool's lock,
 * the stack reserve) and deliveries theirs; deliveries at once and pooled
 * outbound connections shrink with the budget too (they wait, not fail).
 */
import type { Config } from "../config/mod.ts";
import type { Logger } from "../log/mod.ts";
import { ConnectionSlots } from "../net/mod.ts";
import { ClientPool } from "../smtp_client/mod.ts";
import {
  DESCRIPTORS_BESIDES_SESSIONS,
  descriptorWarning,
  freeDescriptors,
  mailListenerCount,
  sessionCeiling,
} from "./descriptor_budget.ts";

/** Deliveries at once and pooled outbound connections when descriptors are plenty (the defaults). */
const DELIVERIES = 16;
const OUTBOUND_CONNECTIONS = 50;
/** Connections being refused with a busy line (or lingering after their session) at once, at most. */
const REFUSALS = 16;
/** Descriptors one delivery may use: its connection, a DNS socket, queue and mailbox files, its share of the pool. */
const DESCRIPTORS_PER_DELIVERY = 8;

/** What `planConnections` decides. */
export interface ConnectionPlan {
  /** Sessions open at once over all listeners. */
  sessionLimit: number;
  /** Descriptors besides sessions: a waiting accept per listener, refusals, lingering closes. */
  spare: number;
  /** Deliveries at once (the runner's concurrency). */
  deliveries: number;
  /** Outbound SMTP connections open at once, idle ones included (the pool's limit). */
  outboundConnections: number;
}

/**
 * The plan for `free` descriptors (null: unknown, no limit of ours),
 * listeners that may hold `ceiling` sessions by their own limits, and
 * `listeners` listeners. With enough, nothing changes; short, about half of
 * what is free is left to the spool and deliveries and the rest is shared by
 * the listeners.
 */
export function planConnections(
  options: { free: number | null; ceiling: number; listeners: number },
): ConnectionPlan {
  const { free, ceiling, listeners } = options;
  const plenty = {
    deliveries: DELIVERIES,
    outboundConnections: OUTBOUND_CONNECTIONS,
  };
  if (free === null) return { sessionLimit: Infinity, spare: 0, ...plenty };
  const leftover = free - DESCRIPTORS_BESIDES_SESSIONS - ceiling;
  if (leftover >= listeners + REFUSALS) {
    return { sessionLimit: ceiling, spare: leftover, ...plenty };
  }
  const besides = Math.min(DESCRIPTORS_BESIDES_SESSIONS, Math.ceil(free / 2));
  const deliveries = clamp(Math.floor(besides / DESCRIPTORS_PER_DELIVERY), 1, DELIVERIES);
  const spare = listeners + clamp(Math.floor(free / 16), 2, REFUSALS);
  return {
    sessionLimit: Math.max(1, free - besides - spare),
    spare,
    deliveries,
    outboundConnections: deliveries,
  };
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

/** The budget `startServer` shares among listeners, the delivery runner and the outbound pool. */
export interface ConnectionBudget {
  slots: ConnectionSlots;
  deliveries: number;
  outboundConnections: number;
  /** The one line at start that says the limit (event=server.connection_limit), once up. */
  logLimit(log: Logger): void;
}

/** Listeners `config` enables, the status page included. */
function listenerCount(config: Config): number {
  return mailListenerCount(config) + (config.httpListen ? 1 : 0);
}

/**
 * `serve`'s budget, probed once at start (before the spool is opened); when
 * the listeners' own limits do not fit, logs the shortfall
 * (server.descriptors_short), as `check` says too.
 */
export function budgetConnections(config: Config, log: Logger): ConnectionBudget {
  const ceiling = sessionCeiling(config);
  const listeners = listenerCount(config);
  const free = freeDescriptors(ceiling + DESCRIPTORS_BESIDES_SESSIONS + listeners + REFUSALS);
  if (descriptorWarning({ sessions: ceiling, maxConnections: config.maxConnections, free })) {
    log.warn("server.descriptors_short", {
      sessions: ceiling,
      needed: ceiling + DESCRIPTORS_BESIDES_SESSIONS,
      free,
      hint: "lower --max-connections or raise RLIMIT_NOFILE (ulimit -n, LimitNOFILE=)",
    });
  }
  const plan = planConnections({ free, ceiling, listeners });
  return {
    slots: new ConnectionSlots({ sessionLimit: plan.sessionLimit, spare: plan.spare }),
    deliveries: plan.deliveries,
    outboundConnections: plan.outboundConnections,
    logLimit: (log) =>
      log.info("server.connection_limit", {
        sessions: Number.isFinite(plan.sessionLimit) ? plan.sessionLimit : "unlimited",
        spare: plan.spare,
        deliveries: plan.deliveries,
        outbound: plan.outboundConnections,
        free: free ?? "unknown",
      }),
  };
}

/** The outbound courier's pool within `budget` (the default pool without one). */
export function outboundPool(budget: ConnectionBudget | undefined): ClientPool {
  return new ClientPool(budget ? { maxTotal: budget.outboundConnections } : {});
}
