/**
 * The command table: verb -> states it is allowed in -> handler. A handler
 * reads its arguments from the cursor (the space after the verb is already
 * consumed), does the work, sends untagged data through the session, and
 * returns the tagged OK's code and text, or throws an `ImapError`.
 */
import type { CommandCursor } from "../parser.ts";
import type { ImapSession } from "../session.ts";
import { APPEND_COMMANDS } from "./append.ts";
import { COPY_COMMANDS } from "./copy_move.ts";
import { FETCH_COMMANDS } from "./fetch.ts";
import { MAILBOX_COMMANDS } from "./mailboxes.ts";
import { SEARCH_COMMANDS } from "./search.ts";
import { SELECT_COMMANDS } from "./select.ts";
import { SESSION_COMMANDS } from "./session_commands.ts";
import { STORE_COMMANDS } from "./store.ts";

/** RFC 3501 3: the states a connection moves through (logout is leaving). */
export type SessionState = "not-authenticated" | "authenticated" | "selected";

/** The tagged OK to send: optional response code and text. `isAnswered` means already sent. */
export interface Done {
  code?: string;
  text?: string;
  /** The handler already sent the tagged response (STARTTLS). */
  isAnswered?: boolean;
}

/** One command. */
export interface ImapCommand {
  states: readonly SessionState[];
  /** FETCH, STORE and SEARCH by sequence number: no EXPUNGE responses while answering them. */
  holdsExpunges?: boolean;
  handle(session: ImapSession, cursor: CommandCursor, tag: string): Promise<Done | void>;
}

/** States for commands that need a login. */
export const LOGGED_IN: readonly SessionState[] = ["authenticated", "selected"];
/** Every state. */
export const ANY_STATE: readonly SessionState[] = [
  "not-authenticated",
  "authenticated",
  "selected",
];

/** Every verb ("UID FETCH" counts as one) and its command. */
export const COMMANDS: ReadonlyMap<string, ImapCommand> = new Map([
  ...SESSION_COMMANDS,
  ...MAILBOX_COMMANDS,
  ...SELECT_COMMANDS,
  ...FETCH_COMMANDS,
  ...STORE_COMMANDS,
  ...SEARCH_COMMANDS,
  ...COPY_COMMANDS,
  ...APPEND_COMMANDS,
]);
