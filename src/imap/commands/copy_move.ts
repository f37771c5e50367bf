/**
 * COPY, MOVE (RFC 6851) and their UID forms, with COPYUID (RFC 4315). COPY
 * copies the messages with their flags and internal dates, all or none, with
 * the destination locked throughout (`Mailbox.copyTo`).
 * MOVE renames each message's file into the destination (`Mailbox.moveTo`),
 * so a message is never in both mailboxes, not even after a crash (RFC 6851
 * 3.3). A MOVE into the selected mailbox itself, or into a folder on another
 * file system, copies, then expunges.
 */
import { CrossDeviceError, FolderError, type Mailbox, type MoveResult } from "../../mailbox/mod.ts";
import { no } from "../errors.ts";
import type { CommandCursor } from "../parser.ts";
import type { SelectedMailbox } from "../selected.ts";
import { formatNumberSet } from "../sequence_set.ts";
import type { ImapSession } from "../session.ts";
import { mailboxArg } from "./mailboxes.ts";
import type { Done, ImapCommand } from "./types.ts";
import { resolveTargets } from "./targets.ts";

/** Opens an existing destination mailbox, or NO [TRYCREATE]. */
export async function openDestination(session: ImapSession, folder: string): Promise<Mailbox> {
  try {
    return await session.options.mailboxes.openMailbox(session.user as string, folder);
  } catch (error) {
    throw missingAsTryCreate(error);
  }
}

/**
 * A destination that does not exist, also one deleted or renamed after it
 * was opened (the mailbox refuses to add to it), as NO [TRYCREATE]; other errors as they are.
 */
export function missingAsTryCreate(error: unknown): unknown {
  return error instanceof FolderError ? no("No such mailbox", "TRYCREATE") : error;
}

function copyWith(options: { isUid: boolean; isMove: boolean }) {
  return async (session: ImapSession, cursor: CommandCursor): Promise<Done> => {
    const set = cursor.sequenceSet();
    cursor.sp();
    const folder = mailboxArg(cursor);
    cursor.end();
    const selected = session.selected as SelectedMailbox;
    if (options.isMove && selected.isReadOnly) throw no("Mailbox is read-only", "READ-ONLY");
    const targets = resolveTargets(selected, set, options.isUid);
    const destination = await openDestination(session, folder);
    const uids = targets.map((target) => target.uid);
    let moved: MoveResult | null = null;
    let done: MoveResult;
    try {
      if (options.isMove && destination.dir !== selected.mailbox.dir) {
        moved = await moveOrNull(session, { destination, uids });
      }
      done = moved ?? await copyMessages(session, { destination, uids });
    } catch (error) {
      throw missingAsTryCreate(error);
    } finally {
      destination.release();
    }
    const { sourceUids, destinationUids, droppedKeywords } = done;
    if (droppedKeywords.length > 0) {
      session.log.warn("imap.keywords_dropped", { folder, keywords: droppedKeywords.join(" ") });
    }
    const code = sourceUids.length === 0 ? undefined : `COPYUID ${destination.uidValidity} ` +
      `${formatNumberSet(sourceUids)} ${formatNumberSet(destinationUids)}`;
    session.log.debug("imap.copy", { folder, messages: sourceUids.length, move: options.isMove });
    if (!options.isMove) return { code };
    // RFC 6851 4.3, 4.4: COPYUID in an untagged OK before the EXPUNGEs.
    if (code !== undefined) session.send(`* OK [${code}] Moved\r\n`);
    if (moved === null && sourceUids.length > 0) {
      await selected.mailbox.expunge(sourceUids, { origin: session });
    }
    return {};
  };
}

/**
 * MOVE into another folder by renaming the files (the source hears the
 * expunges); null when the folders are on different file systems and
 * nothing moved, so the caller copies and then expunges instead.
 */
async function moveOrNull(
  session: ImapSession,
  move: { destination: Mailbox; uids: readonly number[] },
): Promise<MoveResult | null> {
  const selected = session.selected as SelectedMailbox;
  try {
    return await selected.mailbox.moveTo(move.destination, move.uids, { origin: session });
  } catch (error) {
    if (!(error instanceof CrossDeviceError)) throw error;
    session.log.warn("imap.move_copies", {
      folder: move.destination.folder,
      reason: error.message,
    });
    return null;
  }
}

/** Copies the messages into the destination, all or none (see `Mailbox.copyTo`). */
function copyMessages(
  session: ImapSession,
  copy: { destination: Mailbox; uids: readonly number[] },
): Promise<MoveResult> {
  return (session.selected as SelectedMailbox).mailbox.copyTo(copy.destination, copy.uids);
}

/** COPY and MOVE commands. */
export const COPY_COMMANDS: [string, ImapCommand][] = [
  ["COPY", { states: ["selected"], handle: copyWith({ isUid: false, isMove: false }) }],
  ["UID COPY", { states: ["selected"], handle: copyWith({ isUid: true, isMove: false }) }],
  ["MOVE", { states: ["selected"], handle: copyWith({ isUid: false, isMove: true }) }],
  ["UID MOVE", { states: ["selected"], handle: copyWith({ isUid: true, isMove: true }) }],
];
