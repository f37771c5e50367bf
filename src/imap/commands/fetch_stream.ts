/**
 * A whole big message (BODY[], BODY.PEEK[] or RFC822) sent from its file
 * piece by piece as the client takes it, as POP3's RETR does. Read whole
 * first, a 20 MB message stayed in memory for as long as a client that
 * stopped reading kept its session (30 minutes): eight such clients held
 * 150 MB. Now what a session holds is a piece and its output bound.
 */
import { type Mailbox, MessageGoneError } from "../../mailbox/mod.ts";
import { BIG_FILE_BYTES } from "../../spool/mod.ts";
import type { FetchItem } from "../fetch_items.ts";
import type { ImapSession } from "../session.ts";
import { withoutNul } from "../wire_format.ts";

/** Messages over this size are streamed (a smaller one is read whole, ahead of its turn). */
export const STREAMED_MESSAGE_BYTES = BIG_FILE_BYTES;

/** Items answered from the index alone, which may stand beside a streamed body. */
const INDEX_ITEMS = ["FLAGS", "UID", "INTERNALDATE", "RFC822.SIZE"];

/** Whether `item` is the whole message's bytes, unranged. */
export function isWholeBody(item: FetchItem): boolean {
  if (item.kind === "simple") return item.name === "RFC822";
  return item.section.part.length === 0 && item.section.kind === "" && item.partial === null;
}

/**
 * Whether a FETCH of `items` can send a message's bytes straight from its
 * file: one whole-message body, and otherwise only what the index knows.
 */
export function canStream(items: readonly FetchItem[]): boolean {
  let bodies = 0;
  for (const item of items) {
    if (isWholeBody(item)) bodies++;
    else if (item.kind === "section" || !INDEX_ITEMS.includes(item.name)) return false;
  }
  return bodies === 1;
}

/**
 * Sends `pieces` in order, the file of `uid` where `null` stands, exactly
 * `sizeBytes` of it (the size its literal announced). Nothing is sent when
 * the message is gone before its first byte (MessageGoneError is thrown
 * then). False once the client is gone; a file shorter than announced
 * cannot end its literal, so the connection is closed then.
 */
export async function sendStreamed(
  session: ImapSession,
  message: { mailbox: Mailbox; uid: number; sizeBytes: number },
  pieces: readonly (string | Uint8Array | null)[],
): Promise<boolean> {
  const at = pieces.indexOf(null);
  const before = pieces.slice(0, at) as (string | Uint8Array)[];
  const after = pieces.slice(at + 1) as (string | Uint8Array)[];
  let isStarted = false;
  let isAlive = true;
  let sentBytes = 0;
  let isLonger = false;
  const start = async () => {
    isStarted = true;
    isAlive = await session.sendPieces(before);
  };
  try {
    await message.mailbox.readMessagePieces(message.uid, async (piece) => {
      if (!isStarted) await start();
      if (!isAlive) return false;
      // A copy: the piece's buffer is read into again while this one may wait to be sent.
      const taken = withoutNul(piece.subarray(0, message.sizeBytes - sentBytes).slice());
      isLonger ||= taken.length < piece.length;
      sentBytes += taken.length;
      isAlive = await session.sendPieces([taken]);
      return isAlive && sentBytes < message.sizeBytes;
    });
  } catch (error) {
    if (!isStarted || !(error instanceof MessageGoneError || isNotFound(error))) throw error;
    session.connection.destroy(); // the literal can no longer be completed
    return false;
  }
  if (!isStarted) await start();
  if (!isAlive) return false;
  if (sentBytes < message.sizeBytes || isLonger) {
    // The size listed, which the literal announced, was not the file's (a `,S=` or `,W=`
    // that lies): counted again, so the client's next FETCH of it gets all of it.
    await message.mailbox.exactSizes([message.uid], { isRecount: true });
  }
  if (sentBytes < message.sizeBytes) {
    session.log.warn("imap.fetch_short_file", {
      uid: message.uid,
      announced: message.sizeBytes,
      sent: sentBytes,
    });
    session.connection.destroy();
    return false;
  }
  return await session.sendPieces(after);
}

function isNotFound(error: unknown): boolean {
  return error instanceof Deno.errors.NotFound;
}
