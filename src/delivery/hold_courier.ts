/**
 * The remote courier used while no outbound route is configured: remote
 * recipients stay queued (a transient outcome), so nothing is lost and the
 * queue can be inspected.
 */
import type { QueuedMessage } from "../spool/mod.ts";
import { type Courier, type DeliveryOutcome, sameOutcome } from "./outcome.ts";

export class HoldCourier implements Courier {
  deliver(
    _message: QueuedMessage,
    rcpts: readonly string[],
  ): Promise<Map<string, DeliveryOutcome>> {
    return Promise.resolve(sameOutcome(rcpts, {
      kind: "transient",
      reason: "Outbound delivery is not enabled on this server",
      status: "4.4.0",
    }));
  }
}
