/**
 * COPY, MOVE (RFC 6851) and their UID forms, with COPYUID (RFC 4315). COPY
 * appends each message to the destination with its flags and internal date.
 * MOVE renames each message's file into the destination (`Mailbox.moveTo`),
 * so a message is never in both mailboxes, not even after a crash (RFC 6851
 * 3.3); a MOVE into the selected mailbox itself copies, then expunges.
 */
import { FolderError, type Mailbox, MessageGoneError } from "../../mailbox/mod.ts";
import { no } from "../errors.ts";
import { messageFlags } from "../flags.ts";
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
    if (error instanceof FolderError) throw no("No such mailbox", "TRYCREATE");
    throw error;
  }
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
    if (options.isMove && destination.dir !== selected.mailbox.dir) {
      return await moveElsewhere(session, { destination, uids: targets.map((t) => t.uid) });
    }
    const sourceUids: number[] = [];
    const destinationUids: number[] = [];
    try {
      for (const target of targets) {
        const info = selected.mailbox.get(target.uid);
        if (info === undefined) continue;
        let bytes: Uint8Array;
        try {
          bytes = await selected.mailbox.readMessage(target.uid);
        } catch (error) {
          if (error instanceof MessageGoneError) continue;
          throw error;
        }
        const copy = await destination.append([bytes], {
          flags: messageFlags(info),
          internalDateMs: info.internalDateMs,
        });
        sourceUids.push(target.uid);
        destinationUids.push(copy.uid);
      }
    } catch (error) {
      // RFC 9051 6.4.7: a failed COPY must leave the destination as it was.
      await destination.expunge(destinationUids).catch((rollback) =>
        session.log.error("imap.copy_rollback_failed", {
          folder,
          error: rollback instanceof Error ? rollback.message : String(rollback),
        })
      );
      throw error;
    } finally {
      destination.release();
    }
    const code = sourceUids.length === 0 ? undefined : `COPYUID ${destination.uidValidity} ` +
      `${formatNumberSet(sourceUids)} ${formatNumberSet(destinationUids)}`;
    session.log.debug("imap.copy", { folder, messages: sourceUids.length, move: options.isMove });
    if (!options.isMove) return { code };
    if (code !== undefined) session.send(`* OK [${code}] Moved\r\n`);
    if (sourceUids.length > 0) await selected.mailbox.expunge(sourceUids, { origin: session });
    return {};
  };
}

/** MOVE into another mailbox: the files move; COPYUID, then the EXPUNGEs (RFC 6851 4.3, 4.4). */
async function moveElsewhere(
  session: ImapSession,
  move: { destination: Mailbox; uids: readonly number[] },
): Promise<Done> {
  const selected = session.selected as SelectedMailbox;
  let result;
  try {
    result = await selected.mailbox.moveTo(move.destination, move.uids, { origin: session });
  } finally {
    move.destination.release();
  }
  const { sourceUids, destinationUids } = result;
  session.log.debug("imap.copy", {
    folder: move.destination.folder,
    messages: sourceUids.length,
    move: true,
  });
  if (sourceUids.length > 0) {
    const code = `COPYUID ${move.destination.uidValidity} ${formatNumberSet(sourceUids)} ` +
      formatNumberSet(destinationUids);
    session.send(`* OK [${code}] Moved\r\n`);
  }
  return {};
}

/** COPY and MOVE commands. */
export const COPY_COMMANDS: [string, ImapCommand][] = [
  ["COPY", { states: ["selected"], handle: copyWith({ isUid: false, isMove: false }) }],
  ["UID COPY", { states: ["selected"], handle: copyWith({ isUid: true, isMove: false }) }],
  ["MOVE", { states: ["selected"], handle: copyWith({ isUid: false, isMove: true }) }],
  ["UID MOVE", { states: ["selected"], handle: copyWith({ isUid: true, isMove: true }) }],
];
