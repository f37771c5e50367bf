/**
 * A pickup file is queued held (`queue/msg/.held-pickup-<claim id>`, which
 * nothing delivers), then its claim is removed, then the message is let go.
 * The claim's removal is the commit: after a crash, a held message whose
 * claim is still there is dropped (the claim is released and the file taken
 * again, once), and one whose claim is gone is let go. So a picked-up file
 * is queued exactly once, whenever the server dies.
 */
import { basename } from "node:path";
import type { Logger } from "../log/mod.ts";
import { HELD_PREFIX, type Spool } from "../spool/mod.ts";
import { claimId } from "./claim.ts";

const HELD_PICKUP_PREFIX = `${HELD_PREFIX}pickup-`;

/** The held name of the message read from claimed file `claimed`. */
export function heldPickupName(claimed: string): string {
  return `${HELD_PICKUP_PREFIX}${claimId(basename(claimed)) ?? "unknown"}`;
}

/** Settles held pickup messages left by a crash; call before the claims are released. */
export async function settleHeldPickups(
  options: { spool: Spool; pickupDir: string; log: Logger },
): Promise<void> {
  const { spool, log } = options;
  const claims = new Set<string>();
  for await (const entry of Deno.readDir(options.pickupDir)) {
    const id = claimId(entry.name);
    if (id !== null) claims.add(id);
  }
  for (const heldName of await spool.listHeld()) {
    if (!heldName.startsWith(HELD_PICKUP_PREFIX)) continue;
    const id = heldName.slice(HELD_PICKUP_PREFIX.length);
    try {
      if (claims.has(id)) {
        await spool.dropHeld(heldName); // the file is still there and will be taken again
        log.info("pickup.held_dropped", { held: heldName });
      } else {
        const { qid } = await spool.readHeld(heldName);
        await spool.release(heldName, qid);
        log.info("pickup.held_released", { qid, held: heldName });
      }
    } catch (error) {
      log.error("pickup.settle_failed", { held: heldName, error: String(error) });
    }
  }
}
