/** The shape of a command handler and the session states it may run in. */
import type { CommandCursor } from "../parser.ts";
import type { ImapSession } from "../session.ts";

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
