/** What the queue takes in and hands out (see spool.ts). */
import type { Envelope } from "./envelope.ts";
import type { MessageBuffer } from "./message_buffer.ts";

/** The envelope fields a caller supplies; the spool adds `qid` and `arrivalMs`. */
export type EnvelopeDraft = Omit<Envelope, "qid" | "arrivalMs">;

/** What `accept` stores: header lines to prepend (built once the qid is known) and the message. */
export interface AcceptRequest {
  envelope: EnvelopeDraft;
  /** Header text to put in front of the message, CRLF-terminated (e.g. Received). */
  prefix?: (qid: string) => string;
  message: MessageBuffer | Uint8Array;
  /**
   * Queue the message held: under this hidden name in `msg/` (a dotfile, which
   * `list` and the runner skip), never delivered at once, until `release`
   * lets it go. For a notice that must go out exactly when another change
   * (the original's state saying it was sent) is committed.
   */
  heldName?: string;
  /**
   * Called once, as soon as the message is safe on disk: before `accept`
   * resolves, and before anything about its delivery is logged (so a log
   * reads "queued" before "delivered" even for an immediate delivery).
   */
  onAccepted?: (qid: string) => void;
}

/** The prefix of held messages' names in `msg/` (see `AcceptRequest.heldName`). */
export const HELD_PREFIX = ".held-";

/** A message read back from the queue. */
export interface QueuedMessage {
  envelope: Envelope;
  /** The whole file; the message starts at `messageOffset`. */
  bytes: Uint8Array;
  messageOffset: number;
}

/**
 * Delivers a just-received message at once where it can (local mailboxes),
 * durably, before the client is told 250. Returns the recipients it
 * finished; the spool queues the rest. It must finish all or none: if the
 * queue write for the rest failed, the client would be told 451 for a
 * message some recipients already have. `chunks` is the message as it will be
 * stored (trace headers included), without the envelope line. `accepted` is
 * to be called once the delivery is durable, before it is logged.
 */
export type ImmediateDelivery = (
  envelope: Envelope,
  chunks: readonly Uint8Array[],
  accepted: () => void,
) => Promise<readonly string[]>;
