/**
 * One mailbox's state as the operations that change it work on it (append,
 * move, store, expunge): the listing, the UID index, the keyword table and the listeners.
 * `Mailbox` owns them and hands them out only while its lock is held.
 */
import type { Logger } from "../log/mod.ts";
import type { Arrivals } from "./arrivals.ts";
import type { ChangeEvents } from "./change_events.ts";
import type { Keywords } from "./keywords.ts";
import type { Entry, MessageTable } from "./message_table.ts";
import type { ReadsInProgress } from "./reads_in_progress.ts";
import type { UidIndex } from "./uid_index.ts";

/** A locked mailbox's state; valid only while its lock is held. */
export interface MailboxParts {
  /** The Maildir directory (holding tmp/, new/, cur/ and the index). */
  readonly dir: string;
  /** The host name new file names carry. */
  readonly hostname: string;
  readonly log: Logger;
  readonly table: MessageTable;
  readonly index: UidIndex;
  readonly keywords: Keywords;
  /** The keyword names that info letters stand for. */
  readonly keywordNames: (letters: string) => readonly string[];
  readonly events: ChangeEvents;
  /** Messages added by APPEND, COPY or MOVE that no session has claimed \Recent yet. */
  readonly arrivals: Arrivals;
  /** The files being read now (never recycled as spares meanwhile). */
  readonly reads: ReadsInProgress;
  /**
   * For one change: a lookup of a UID whose file was not where the table
   * said, after one rescan (at most one per lookup function); undefined when gone.
   */
  findAgain(): (uid: number) => Promise<Entry | undefined>;
  /** A file was not where the table said: the next refresh must rescan. */
  markDirty(): void;
  /** Removes an expunged message's file (rejecting with NotFound if it is gone). */
  readonly removeFile: (path: string) => Promise<void>;
}
