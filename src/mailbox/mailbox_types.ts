/** The values the mailbox layer hands out: message listings, changes, errors. */
import type { SystemFlag } from "./message_name.ts";

/** A message as listed: identity, size, time and flags; no content. */
export interface MessageInfo {
  readonly uid: number;
  /** The Maildir base name: stable for the message's life, even across index rebuilds. */
  readonly base: string;
  readonly sizeBytes: number;
  /** Delivery (or APPEND) time in ms: IMAP INTERNALDATE. */
  readonly internalDateMs: number;
  readonly flags: readonly SystemFlag[];
  /** The keywords ($Forwarded, $Junk, ...) set on the message, in the mailbox's letter order. */
  readonly keywords: readonly string[];
  /** Every Maildir info letter, system flags and keywords, sorted. */
  readonly letters: string;
  /** Still in `new/`: nobody has looked at it yet (IMAP \Recent). */
  readonly isNew: boolean;
}

/**
 * What changed in a mailbox; `origin` is whatever the changing caller passed
 * (null for scans). "gone": the folder was deleted or renamed; the instance is dead.
 */
export type MailboxChange =
  | { kind: "added"; messages: readonly MessageInfo[] }
  | { kind: "flags"; messages: readonly MessageInfo[]; origin: unknown }
  | { kind: "expunged"; uids: readonly number[]; origin: unknown }
  | { kind: "gone"; reason: "deleted" | "renamed" };

/**
 * A flag change: `replace` sets the system flags and keywords outright, then
 * `add` and `remove` apply. Entries are system flags (`SystemFlag`) or keywords.
 */
export interface FlagChange {
  add?: readonly string[];
  remove?: readonly string[];
  replace?: readonly string[];
}

/** The message is no longer in the mailbox (expunged by another session or process). */
export class MessageGoneError extends Error {
  constructor(uid: number) {
    super(`Message UID ${uid} is no longer in the mailbox`);
    this.name = "MessageGoneError";
  }
}

/** A move between folders on different file systems: no rename can do it (nothing was moved). */
export class CrossDeviceError extends Error {
  constructor(from: string, to: string) {
    super(`Cannot rename "${from}" to "${to}": they are on different file systems`);
    this.name = "CrossDeviceError";
  }
}

/**
 * Why a folder operation was refused: the folder does not exist (and
 * `create` was not asked for), the target name is taken, or the operation
 * or name is not allowed.
 */
export type FolderProblem = "missing" | "exists" | "refused";

/** A folder operation refused; `problem` says why (IMAP's NONEXISTENT, ALREADYEXISTS, CANNOT). */
export class FolderError extends Error {
  readonly problem: FolderProblem;

  constructor(message: string, problem: FolderProblem = "missing") {
    super(message);
    this.name = "FolderError";
    this.problem = problem;
  }
}
