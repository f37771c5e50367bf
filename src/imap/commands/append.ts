/** APPEND with flags and a date (RFC 3501 6.3.11), answering APPENDUID (RFC 4315). */
import { bad, no } from "../errors.ts";
import { toStoredFlags } from "../flags.ts";
import type { CommandCursor } from "../parser.ts";
import type { ImapSession } from "../session.ts";
import { missingAsTryCreate, openDestination } from "./copy_move.ts";
import { parseInternalDate } from "./internal_date.ts";
import { mailboxArg } from "./mailboxes.ts";
import { type Done, type ImapCommand, LOGGED_IN } from "./types.ts";

async function append(session: ImapSession, cursor: CommandCursor): Promise<Done> {
  const folder = mailboxArg(cursor);
  cursor.sp();
  let flags: string[] = [];
  if (cursor.peek() === "(") {
    flags = cursor.flags();
    cursor.sp();
  }
  let internalDateMs: number | undefined;
  if (cursor.peek() === '"') {
    const text = cursor.astring();
    const parsed = parseInternalDate(text);
    if (parsed === null) throw bad(`Invalid date-time "${text.slice(0, 40)}"`);
    internalDateMs = parsed;
    cursor.sp();
  }
  const message = cursor.stringBytes();
  cursor.end();
  if (message.length === 0) throw no("Empty message");
  // A literal is CHAR8, %x01-ff (RFC 3501 9): a NUL could never be sent back in a FETCH.
  if (message.includes(0)) throw bad("The message contains a NUL octet");
  const destination = await openDestination(session, folder);
  try {
    const added = await destination.append([message], {
      flags: toStoredFlags(flags),
      internalDateMs,
    });
    session.log.info("imap.append", { folder, bytes: message.length, uid: added.uid });
    return { code: `APPENDUID ${destination.uidValidity} ${added.uid}` };
  } catch (error) {
    throw missingAsTryCreate(error);
  } finally {
    destination.release();
  }
}

/** APPEND. */
export const APPEND_COMMANDS: [string, ImapCommand][] = [
  ["APPEND", { states: LOGGED_IN, handle: append }],
];
