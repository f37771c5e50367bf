/**
 * Success notices (RFC 3461 5.2.2 (b), 5.2.3 (a), 5.2.7.3 (c)): which
 * recipients of a message are due one, as "delivered" (into a mailbox here),
 * "relayed" (handed to a next hop that does not take DSN parameters) or
 * "expanded" (an alias of several targets). A next hop that took the
 * parameters reports success itself. Pure, over the state and the envelope.
 */
import { type Envelope, wantsNotice } from "../spool/mod.ts";
import type { QueueState } from "./queue_state.ts";

/** What a success notice reports. */
export interface SuccessDue {
  /** Delivered recipients that asked for NOTIFY=SUCCESS and were not yet reported. */
  rcpts: string[];
  /** Aliases reported "expanded" (once per message). */
  expanded: readonly { rcpt: string; orcpt?: string }[];
}

/** The success notice due after an attempt, or null; never for a sender of `<>`. */
export function successNoticeDue(state: QueueState, envelope: Envelope): SuccessDue | null {
  // An alias's "expanded" stands alone when its members were named before it without NOTIFY.
  if (envelope.from === "" || (!envelope.rcptDsn && !envelope.expanded)) return null;
  const rcpts = Object.entries(state.rcpts)
    .filter(([rcpt, entry]) =>
      entry.status === "delivered" && !entry.isReported && !entry.isDsnPassedOn &&
      wantsNotice(envelope, rcpt, "SUCCESS")
    )
    .map(([rcpt]) => rcpt);
  const expanded = !state.isExpansionReported && Array.isArray(envelope.expanded)
    ? envelope.expanded
    : [];
  return rcpts.length > 0 || expanded.length > 0 ? { rcpts, expanded } : null;
}
