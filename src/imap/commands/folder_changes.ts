/**
 * Folder changes: CREATE, DELETE and RENAME. A DELETE or RENAME that takes
 * away this session's selected folder deselects it first (with CLOSED);
 * other sessions that have it selected hear "* BYE" (RFC 2180 3.2).
 */
import {
  FolderError,
  folderExists,
  type FolderProblem,
  INBOX,
  listFolders,
} from "../../mailbox/mod.ts";
import { changeFolders, updateSubscriptions } from "../account_setup.ts";
import { no } from "../errors.ts";
import { DELIMITER, toFolder } from "../folder_names.ts";
import type { CommandCursor } from "../parser.ts";
import type { ImapSession } from "../session.ts";
import { accountDir, mailboxArg } from "./mailboxes.ts";
import { type Done, type ImapCommand, LOGGED_IN } from "./types.ts";

async function create(session: ImapSession, cursor: CommandCursor): Promise<Done> {
  const raw = cursor.astring();
  cursor.end();
  const folder = toFolder(raw.endsWith(DELIMITER) ? raw.slice(0, -1) : raw);
  await changeFolders(accountDir(session), async () => {
    if (folder === INBOX || await folderExists(accountDir(session), folder)) {
      throw no("Mailbox already exists", "ALREADYEXISTS");
    }
    const mailbox = await session.options.mailboxes.openMailbox(session.user as string, folder, {
      create: true,
    });
    mailbox.release();
  });
  session.log.info("imap.create", { folder });
  return {};
}

async function remove(session: ImapSession, cursor: CommandCursor): Promise<Done> {
  const folder = mailboxArg(cursor);
  cursor.end();
  if (folder === INBOX) throw no("INBOX cannot be deleted", "CANNOT");
  // Other sessions with the folder selected hear "* BYE" (RFC 2180 3.2); this one just leaves it.
  deselectIfInside(session, folder, { isSubtree: false });
  await changeFolders(
    accountDir(session),
    () => folderOp(() => session.options.mailboxes.deleteFolder(session.user as string, folder)),
  );
  session.log.info("imap.delete", { folder });
  return {};
}

async function rename(session: ImapSession, cursor: CommandCursor): Promise<Done> {
  const from = mailboxArg(cursor);
  cursor.sp();
  const to = mailboxArg(cursor);
  cursor.end();
  if (from === INBOX) throw no("Renaming INBOX is not supported", "CANNOT");
  if (to === INBOX) throw no("Mailbox already exists", "ALREADYEXISTS");
  await changeFolders(accountDir(session), async () => {
    if (await folderExists(accountDir(session), to)) {
      throw no("Mailbox already exists", "ALREADYEXISTS");
    }
    await checkSubfolderTargets(session, from, to);
    // renameFolder's own refusals, made before the deselect: a refused RENAME must leave
    // the session's selected folder selected (RFC 9051 6.3.6: NO means nothing was renamed).
    if (!(await folderExists(accountDir(session), from))) {
      throw no(`Folder "${from}" does not exist`, "NONEXISTENT");
    }
    if (to.startsWith(from + DELIMITER)) throw no("A folder cannot move into itself", "CANNOT");
    deselectIfInside(session, from, { isSubtree: true });
    await folderOp(() => session.options.mailboxes.renameFolder(session.user as string, from, to));
  });
  try {
    await updateSubscriptions(
      accountDir(session),
      (names) =>
        names.map((name) =>
          name === from || name.startsWith(from + DELIMITER) ? to + name.slice(from.length) : name
        ),
    );
  } catch (error) {
    // The folder is renamed: a NO would tell the client it was not. The old name stays
    // subscribed (LSUB shows it \Noselect) until the client subscribes the new one.
    session.log.warn("imap.subscriptions_not_renamed", {
      from,
      to,
      error: error instanceof Error ? error.message : String(error),
    });
  }
  session.log.info("imap.rename", { from, to });
  return {};
}

/**
 * RENAME moves the subfolders too, and must not stop half way: each one's
 * new name must be allowed and free before anything is renamed.
 */
async function checkSubfolderTargets(session: ImapSession, from: string, to: string) {
  const dir = accountDir(session);
  for (const child of await listFolders(dir)) {
    if (!child.startsWith(from + DELIMITER)) continue;
    const target = toFolder(to + child.slice(from.length));
    if (await folderExists(dir, target)) {
      throw no(`Mailbox ${target} already exists`, "ALREADYEXISTS");
    }
  }
}

/** Leaves the selected folder if DELETE or RENAME is about to take it away, saying so with CLOSED. */
function deselectIfInside(
  session: ImapSession,
  folder: string,
  options: { isSubtree: boolean },
): void {
  const selected = session.selected?.mailbox.folder;
  if (selected === undefined) return;
  const isInside = selected === folder ||
    (options.isSubtree && selected.startsWith(folder + DELIMITER));
  if (!isInside) return;
  session.deselect();
  session.send("* OK [CLOSED] Mailbox deselected\r\n");
}

async function folderOp(operation: () => Promise<void>): Promise<void> {
  try {
    await operation();
  } catch (error) {
    if (error instanceof FolderError) throw no(error.message, FOLDER_CODES[error.problem]);
    throw error;
  }
}

/** RFC 5530's response code for each reason a folder operation is refused. */
const FOLDER_CODES: Record<FolderProblem, string> = {
  missing: "NONEXISTENT",
  exists: "ALREADYEXISTS",
  refused: "CANNOT",
};

/** Folder change commands. */
export const FOLDER_CHANGE_COMMANDS: [string, ImapCommand][] = [
  ["CREATE", { states: LOGGED_IN, handle: create }],
  ["DELETE", { states: LOGGED_IN, handle: remove }],
  ["RENAME", { states: LOGGED_IN, handle: rename }],
];
