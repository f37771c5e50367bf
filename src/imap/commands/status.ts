/**
 * STATUS (RFC 3501 6.3.10) and what LIST-STATUS (RFC 5819) shares of it:
 * the items a client may ask for, and one mailbox's `* STATUS` line.
 */
import { FolderError, type Mailbox } from "../../mailbox/mod.ts";
import { bad, no } from "../errors.ts";
import { toFolder } from "../folder_names.ts";
import type { CommandCursor } from "../parser.ts";
import { peekRecent } from "../recent.ts";
import type { ImapSession } from "../session.ts";
import { astringOut } from "../wire_format.ts";
import { type Done, type ImapCommand, LOGGED_IN } from "./types.ts";

/** Opens a mailbox that must exist (SELECT, EXAMINE, STATUS), or NO [NONEXISTENT] (RFC 5530). */
export async function openExisting(session: ImapSession, folder: string): Promise<Mailbox> {
  try {
    return await session.options.mailboxes.openMailbox(session.user as string, folder);
  } catch (error) {
    if (error instanceof FolderError) throw no("No such mailbox", "NONEXISTENT");
    throw error;
  }
}

const STATUS_ITEMS = ["MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "SIZE"];

/** Reads `"(" status-att *(SP status-att) ")"`: one known item at least (RFC 9051 9). */
export function parseStatusItems(cursor: CommandCursor): string[] {
  const items = cursor.list((c) => c.atom().toUpperCase());
  if (items.length === 0) throw bad("STATUS needs at least one item");
  for (const item of items) {
    if (!STATUS_ITEMS.includes(item)) throw bad(`Unknown STATUS item "${item.slice(0, 30)}"`);
  }
  return items;
}

/** The `* STATUS` line of `folder` (which must exist: else NO [NONEXISTENT]). */
export async function statusResponse(
  session: ImapSession,
  folder: string,
  items: readonly string[],
): Promise<string> {
  const mailbox = await openExisting(session, folder);
  try {
    const messages = await mailbox.refresh();
    // RFC 8438 3: SIZE is at least the sum of RFC822.SIZE, the sizes served (line_ends.ts).
    if (items.includes("SIZE")) await mailbox.exactSizes(messages.values().map((m) => m.uid));
    const values: Record<string, number> = {
      MESSAGES: messages.length,
      RECENT: peekRecent(mailbox, messages).length,
      UIDNEXT: mailbox.uidNext,
      UIDVALIDITY: mailbox.uidValidity,
      UNSEEN: messages.filter((message) => !message.flags.includes("\\Seen")).length,
      SIZE: messages.reduce(
        (sum, message) => sum + (mailbox.get(message.uid)?.sizeBytes ?? message.sizeBytes),
        0,
      ),
    };
    const pairs = items.map((item) => `${item} ${values[item]}`);
    return `* STATUS ${astringOut(folder)} (${pairs.join(" ")})\r\n`;
  } finally {
    mailbox.release();
  }
}

async function status(session: ImapSession, cursor: CommandCursor): Promise<Done> {
  const folder = toFolder(cursor.astring());
  cursor.sp();
  const items = parseStatusItems(cursor);
  cursor.end();
  session.send(await statusResponse(session, folder, items));
  return {};
}

/** STATUS. */
export const STATUS_COMMANDS: [string, ImapCommand][] = [
  ["STATUS", { states: LOGGED_IN, handle: status }],
];
