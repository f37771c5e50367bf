/**
 * Held notices left by a crash. A DSN is queued held (a hidden name in
 * `queue/msg/`) before the original's state records it as sent, and
 * released after. At start each leftover is settled by what the disk says:
 * recorded (the original is gone, or its saved state says the notice was
 * sent) means it goes; not recorded means it is dropped, for the original's
 * next pass sends it again. Either way the sender hears once.
 */
import type { Logger } from "../log/mod.ts";
import { type Envelope, QueueFileError, type Spool, wantsNotice } from "../spool/mod.ts";
import { failuresToBounce } from "./bounce_policy.ts";
import { type NoticeKind, parseHeldNoticeName } from "./bouncer.ts";
import { successNoticeDue } from "./success_notices.ts";
import type { QueueStateStore } from "./queue_state.ts";

/** What settling works with. */
interface SettleContext {
  spool: Spool;
  states: QueueStateStore;
  log: Logger;
}

/**
 * Releases or drops every held notice in the queue; returns how many of
 * each. One that cannot be settled now stays held and goes into
 * `leftovers`, to be settled before its original's next attempt.
 */
export async function settleHeldNotices(
  options: SettleContext & { leftovers?: LeftoverNotices },
): Promise<{ released: number; dropped: number }> {
  let released = 0;
  let dropped = 0;
  for (const heldName of await options.spool.listHeld()) {
    const parsed = parseHeldNoticeName(heldName);
    if (parsed === null) continue; // another area's (a pickup file's), settled there
    try {
      if (await settleOne(heldName, options) === "released") released++;
      else dropped++;
    } catch (error) {
      // Left where it is; it never stops the server.
      options.log.error("notice.settle_failed", { held: heldName, error: String(error) });
      options.leftovers?.add(parsed.originalQid, { heldName, dsnQid: "", action: "settle" });
    }
  }
  return { released, dropped };
}

/** Releases or drops one held notice by what the disk says (see the top of this file). */
async function settleOne(
  heldName: string,
  context: SettleContext,
): Promise<"released" | "dropped"> {
  const { spool, log } = context;
  const parsed = parseHeldNoticeName(heldName);
  if (parsed === null) throw new Error(`Not a held notice: ${heldName}`);
  if (await isRecorded(parsed, context)) {
    const { qid } = await spool.readHeld(heldName);
    await spool.release(heldName, qid);
    log.info("notice.released", { qid: parsed.originalQid, dsn: qid, kind: parsed.kind });
    return "released";
  }
  await spool.dropHeld(heldName);
  log.info("notice.dropped", { held: heldName });
  return "dropped";
}

/** What must still become of a held notice this process could not release or drop. */
export interface LeftoverNotice {
  heldName: string;
  /** The notice's queue id (for "release"). */
  dsnQid: string;
  /** "release": recorded; "drop": not recorded; "settle": not known here, judged by the disk. */
  action: "release" | "drop" | "settle";
}

/**
 * Held notices this process failed to release or drop (a disk error), by
 * their original's queue id. They are finished before that message's next
 * attempt: the next notice of the same kind is queued under the same held
 * name, and would collide with a leftover (and the message crash at every
 * attempt) until a restart.
 */
export class LeftoverNotices {
  readonly #byQid = new Map<string, LeftoverNotice[]>();

  add(originalQid: string, leftover: LeftoverNotice): void {
    const list = this.#byQid.get(originalQid) ?? [];
    list.push(leftover);
    this.#byQid.set(originalQid, list);
  }

  has(originalQid: string): boolean {
    return this.#byQid.has(originalQid);
  }

  /** Originals with leftovers. */
  qids(): string[] {
    return [...this.#byQid.keys()];
  }

  /** Finishes the leftovers of `originalQid`; throws (keeping the rest) if one still cannot be. */
  async finish(originalQid: string, context: SettleContext): Promise<void> {
    const list = this.#byQid.get(originalQid) ?? [];
    while (list.length > 0) {
      await finishLeftover(list[0] as LeftoverNotice, context);
      list.shift();
    }
    this.#byQid.delete(originalQid);
  }
}

async function finishLeftover(leftover: LeftoverNotice, context: SettleContext): Promise<void> {
  const { heldName, dsnQid, action } = leftover;
  try {
    if (action === "settle") await settleOne(heldName, context);
    else if (action === "drop") await context.spool.dropHeld(heldName);
    else {
      await context.spool.release(heldName, dsnQid);
      context.log.info("notice.released", { dsn: dsnQid, held: heldName });
    }
  } catch (error) {
    // Its name is gone: released after all (then a rescan finds it under its queue id).
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/**
 * Whether the original's saved state records the notice: whether the runner,
 * going by that state as it reads it (`load`), would not send it again.
 */
async function isRecorded(
  notice: { originalQid: string; kind: NoticeKind },
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
  if (notice.kind === "success") return successNoticeDue(saved, envelope) === null;
  const wants = (rcpt: string) => wantsNotice(envelope, rcpt, "FAILURE");
  return failuresToBounce(saved, envelope.from, wants).length === 0;
}
