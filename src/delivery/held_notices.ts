/**
 * Held notices left by a crash. A DSN is queued held (a hidden name in
 * `queue/msg/`) before the original's state records it as sent, and
 * released after. At start each leftover is settled by what the disk says:
 * recorded (the original is gone, or its saved state says the notice was
 * sent) means it goes; not recorded means it is dropped, for the original's
 * next pass sends it again. Either way the sender hears once.
 */
import type { Logger } from "../log/mod.ts";
import { type Envelope, QueueFileError, type Spool } from "../spool/mod.ts";
import { failuresToBounce } from "./bounce_policy.ts";
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

/**
 * Whether the original's saved state records the notice: whether the runner,
 * going by that state as it reads it (`load`), would not send it again.
 */
async function isRecorded(
  notice: { originalQid: string; kind: "failed" | "delayed" },
  options: { spool: Spool; states: QueueStateStore },
): Promise<boolean> {
  // Removed (every recipient finished) only after its notice was queued.
  if (!await options.spool.exists(notice.originalQid)) return true;
  let envelope: Envelope;
  try {
    envelope = (await options.spool.read(notice.originalQid)).envelope;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return true; // finished meanwhile
    // Set aside unread at its attempt, never bounced: this notice is all its sender will hear.
    if (error instanceof QueueFileError) return true;
    throw error;
  }
  const saved = options.states.loadSaved(notice.originalQid, envelope.rcpts);
  if (saved === null) return false; // every recipient is tried (and reported) afresh
  if (notice.kind === "delayed") return Boolean(saved.isDelayNoticeSent);
  return failuresToBounce(saved, envelope.from).length === 0;
}
