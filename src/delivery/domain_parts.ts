/**
 * A message's remote part, one delivery per domain side by side: a domain
 * whose server stalls for minutes (a tarpit, a DATA that never ends) holds
 * its own turn, not the turns of the message's other domains, which go to
 * the next message as soon as their part is over.
 */
import type { QueuedMessage } from "../spool/mod.ts";
import type { Courier, DeliveryOutcome } from "./outcome.ts";

/** Delivers each domain's recipients through `remote`, calling `onDomainDone` as each part ends. */
export function deliverPerDomain(
  remote: Courier,
  message: QueuedMessage,
  parts: { byDomain: Map<string, string[]>; onDomainDone: (domain: string) => void },
): Promise<Map<string, DeliveryOutcome>[]> {
  return Promise.all(
    [...parts.byDomain].map(([domain, rcpts]) =>
      remote.deliver(message, rcpts).finally(() => parts.onDomainDone(domain))
    ),
  );
}
