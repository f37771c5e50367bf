/**
 * Held notices left by a crash. A DSN is queued held (a hidden name in
 * `queue/msg/`) before the original's state records it as sent, and
 * released after. At start each leftover is settled by what the disk says:
 * recorded (the original is gone, or its saved state says the notice was
 * sent) means it goes; not recorded means it is dropped, for the original's
 * next pass sends it again. Either way the sender hears once.
 */
import type { Logger } from "../log/mod.ts";
import type { Spool } from "../spool/mod.ts";
import { parseHeldNoticeName } from "./bouncer.ts";
import type { QueueStateStore } from "./queue_state.ts";

/** Releases or drops every held notice in the queue; returns how many of each. */
export async function settleHeldNotices(
  options: { spool: Spool; states: QueueStateStore; log: Logger },
): Promise<{ released: number; dropped: number }> {
  const { spool, states, log } = options;
  let released = 0;
  let dropped = 0;
  for (const heldName of await spool.listHeld()) {
    const parsed = parseHeldNoticeName(heldName);
    if (parsed === null) continue; // another area's (a pickup file's), settled there
    try {
      if (await isRecorded(parsed, { spool, states })) {
        const { qid } = await spool.readHeld(heldName);
        await spool.release(heldName, qid);
        log.info("notice.released", { qid: parsed.originalQid, dsn: qid, kind: parsed.kind });
        released++;
      } else {
        await spool.dropHeld(heldName);
        log.info("notice.dropped", { held: heldName });
        dropped++;
      }
    } catch (error) {
      // Left where it is (looked at again at the next start); it never stops the server.
      log.error("notice.settle_failed", { held: heldName, error: String(error) });
    }
  }
  return { released, dropped };
}

async function isRecorded(
  notice: { originalQid: string; kind: "failed" | "delayed" },
  options: { spool: Spool; states: QueueStateStore },
): Promise<boolean> {
  // Removed (every recipient finished) only after its notice was queued.
  if (!await options.spool.exists(notice.originalQid)) return true;
  const saved = options.states.readSaved(notice.originalQid);
  if (saved === null) return false;
  if (notice.kind === "delayed") return saved.isDelayNoticeSent === true;
  return !Object.values(saved.rcpts).some((entry) =>
    entry.status === "failed" && entry.isReported !== true
  );
}
