/**
 * The command table: verb -> states it is allowed in -> handler. A handler
 * reads its arguments from the cursor (the space after the verb is already
 * consumed), does the work, sends untagged data through the session, and
 * returns the tagged OK's code and text, or throws an `ImapError`.
 */
import { APPEND_COMMANDS } from "./append.ts";
import { COPY_COMMANDS } from "./copy_move.ts";
import { FETCH_COMMANDS } from "./fetch.ts";
import { FOLDER_CHANGE_COMMANDS } from "./folder_changes.ts";
import { MAILBOX_COMMANDS } from "./mailboxes.ts";
import { SEARCH_COMMANDS } from "./search.ts";
import { SORT_COMMANDS } from "./sort.ts";
import { STATUS_COMMANDS } from "./status.ts";
import { SELECT_COMMANDS } from "./select.ts";
import { SESSION_COMMANDS } from "./session_commands.ts";
import { STORE_COMMANDS } from "./store.ts";
import { THREAD_COMMANDS } from "./thread.ts";
import type { ImapCommand } from "./types.ts";

export type { Done, ImapCommand, SessionState } from "./types.ts";

/** Every verb ("UID FETCH" counts as one) and its command. */
export const COMMANDS: ReadonlyMap<string, ImapCommand> = new Map([
  ...SESSION_COMMANDS,
  ...MAILBOX_COMMANDS,
  ...STATUS_COMMANDS,
  ...FOLDER_CHANGE_COMMANDS,
  ...SELECT_COMMANDS,
  ...FETCH_COMMANDS,
  ...STORE_COMMANDS,
  ...SEARCH_COMMANDS,
  ...SORT_COMMANDS,
  ...THREAD_COMMANDS,
  ...COPY_COMMANDS,
  ...APPEND_COMMANDS,
]);
