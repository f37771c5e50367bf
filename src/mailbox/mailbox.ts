/**
 * One mailbox (INBOX or a Maildir++ folder) as the server process sees it:
 * UIDs from the index, sizes and flags from file names, and every change
 * (scan, flag change, expunge, append, move) serialised by one in-process lock.
 * Obtain instances from `Mailboxes.openMailbox`, which shares one per
 * directory so that every session sees the same state and events.
 */
import type { Logger } from "../log/mod.ts";
import { MailboxLock } from "./mailbox_lock.ts";
import { MailboxHolders } from "./mailbox_holders.ts";
import { ChangeEvents } from "./change_events.ts";
import { Arrivals } from "./arrivals.ts";
import { ReadsInProgress } from "./reads_in_progress.ts";
import { Keywords } from "./keywords.ts";
import { type Entry, MessageTable } from "./message_table.ts";
import type { PieceVisitor } from "./read_pieces.ts";
import { type FileEnd, MessageFiles } from "./message_files.ts";
import { appendMessage, type AppendOptions } from "./append_message.ts";
import type { MailboxParts } from "./mailbox_parts.ts";
import { moveMessages, type MoveResult } from "./move.ts";
import { copyMessages } from "./copy.ts";
import { storeFlags } from "./store_flags.ts";
import { expungeMessages } from "./expunge.ts";
import {
  keepCurTrusted,
  refreshListing,
  relistReplaced,
  unlistedState,
} from "./listing_refresh.ts";
import {
  type FlagChange,
  FolderError,
  type MailboxChange,
  type MessageInfo,
} from "./mailbox_types.ts";
import { UidIndex } from "./uid_index.ts";
import { UnreachableNames } from "./unreachable_names.ts";

/** Internal options; see `Mailboxes`. */
export interface MailboxOptions {
  account: string;
  folder: string;
  dir: string;
  accountDir?: string; // the account's root Maildir (INBOX): its UIDVALIDITY floor is there
  hostname: string;
  log: Logger;
  onRelease: (mailbox: Mailbox) => void;
  /** The directories leased in the registry (see `LeaseRegistry`); this instance's own without it. */
  leasedDirs?: Set<string>;
  /** Removes an expunged message's file (rejecting with NotFound if it is gone). */
  removeFile: (path: string) => Promise<void>;
}

/** One Maildir with stable UIDs, flags and change events. */
export class Mailbox {
  readonly account: string;
  readonly folder: string;
  /** The Maildir directory (holding tmp/, new/, cur/ and the index). */
  readonly dir: string;
  readonly #options: MailboxOptions;
  readonly #lock = new MailboxLock();
  readonly #index: UidIndex;
  readonly #table = new MessageTable();
  readonly #keywords: Keywords;
  readonly #keywordNames = (letters: string) => this.#keywords.namesOf(letters);
  readonly #listing = unlistedState();
  readonly #events = new ChangeEvents((error) => this.#logError("mailbox.listener_failed", error));
  readonly #holders: MailboxHolders;
  /** Messages added by APPEND, COPY or MOVE and not yet claimed \Recent (see arrivals.ts). */
  readonly arrivals = new Arrivals((uid) => this.#table.get(uid) !== undefined);
  #isKeywordsLoaded = false;
  #isGone = false;
  readonly #reads = new ReadsInProgress();
  readonly #files: MessageFiles;
  readonly #unreachable = new UnreachableNames();

  /** Use `Mailboxes.openMailbox`. */
  constructor(options: MailboxOptions) {
    this.account = options.account;
    this.folder = options.folder;
    this.dir = options.dir;
    this.#options = options;
    this.#holders = new MailboxHolders({
      listenerCount: () => this.#events.size,
      onIdle: () => this.#options.onRelease(this),
      lease: { taken: options.leasedDirs ?? new Set(), key: options.dir },
    });
    this.#index = new UidIndex(options.dir, options.log, { accountDir: options.accountDir });
    this.#keywords = new Keywords(options.dir);
    this.#files = new MessageFiles({
      dir: options.dir,
      table: this.#table,
      reads: this.#reads,
      keywordNames: this.#keywordNames,
      refreshAfterMiss: () => {
        this.#listing.isDirty = true;
        return this.refresh();
      },
    });
  }

  /** The keywords defined in this mailbox (IMAP FLAGS), in letter order. */
  get keywords(): readonly string[] {
    return this.#keywords.names();
  }

  /** True while a new keyword can still be defined here (IMAP's \* in PERMANENTFLAGS). */
  get mayAddKeywords(): boolean {
    return this.#keywords.hasFreeLetter();
  }

  /** UIDVALIDITY (RFC 9051 2.3.1.1); constant unless the index had to be rebuilt. */
  get uidValidity(): number {
    return this.#index.uidValidity;
  }

  /** The UID the next new message will get. */
  get uidNext(): number {
    return this.#index.uidNext;
  }

  /** The messages as of the last `refresh`, in UID order. */
  messages(): readonly MessageInfo[] {
    return this.#table.sorted();
  }

  /** How many messages the listing holds (no sort, unlike `messages()`). */
  get messageCount(): number {
    return this.#table.size;
  }

  /** One message by UID (as of the last refresh or change). */
  get(uid: number): MessageInfo | undefined {
    return this.#table.get(uid);
  }

  /**
   * Brings the listing up to date with the disk: new messages get UIDs
   * (appended to the index), vanished ones are reported expunged, renamed
   * ones report their flags. Cheap when nothing changed (two stats).
   * A call while another refresh waits for the lock, with no other change
   * queued after it, shares that one (see `MailboxLock`).
   */
  refresh(): Promise<readonly MessageInfo[]> {
    return this.#lock.refresh(() => this.#refresh());
  }

  /** Marks the listing stale (delivery calls this) and, if anyone listens, refreshes now. */
  noteDelivery(): void {
    this.#listing.isNewDirty = true; // deliveries go to new/
    if (this.#events.size > 0) {
      this.refresh().catch((error) => this.#logError("mailbox.refresh_failed", error));
    }
  }

  /** A message's bytes as served, CRLF (message_files.ts); `MessageGoneError` once expunged. */
  readMessage(uid: number): Promise<Uint8Array> {
    return this.#files.readMessage(uid);
  }

  /** The served bytes piece by piece from `fromByte` (`readPieces`); throws like `readMessage`. */
  readMessagePieces(uid: number, visit: PieceVisitor, fromByte = 0): Promise<void> {
    return this.#files.readPieces(uid, visit, fromByte);
  }

  /** Each file's served size and last byte, for POP3's sizes (file_ends.ts); reads no message. */
  fileEnds(uids: readonly number[]): Promise<Map<number, FileEnd>> {
    return this.#files.fileEnds(uids);
  }

  /** The header section only (at most `maxBytes`), for header fetches; throws like `readMessage`. */
  readHeader(uid: number, maxBytes = 256 * 1024): Promise<Uint8Array> {
    return this.#files.readHeader(uid, maxBytes);
  }

  /**
   * Makes the listed size of each of `uids` the size served: another program's file without
   * `,W=` is counted when a size is first asked for, not at listing, which never opens a message
   * (see line_ends.ts); with `isRecount`, any of `uids` whose file was found not the size listed.
   */
  exactSizes(uids: Iterable<number>, options: { isRecount?: boolean } = {}): Promise<void> {
    return this.#files.exactSizes(uids, options);
  }

  /**
   * Changes flags the Maildir way (rename to `cur/<base>:2,<letters>`); a
   * message in `new/` moves to `cur/` even when its flags stay the same.
   * Returns the messages as they are now (vanished ones left out).
   */
  store(
    uids: readonly number[],
    change: FlagChange,
    options: { origin?: unknown } = {},
  ): Promise<MessageInfo[]> {
    const task = { uids, change, origin: options.origin ?? null };
    return this.#lock.run(() => this.#ownChange(() => storeFlags(this.#parts(), task)));
  }

  /** Deletes messages for good (their files are unlinked or recycled). Returns the UIDs removed. */
  expunge(uids: readonly number[], options: { origin?: unknown } = {}): Promise<number[]> {
    const task = { uids, origin: options.origin ?? null };
    return this.#lock.run(() => this.#ownChange(() => expungeMessages(this.#parts(), task)));
  }

  /**
   * Adds a message (IMAP APPEND): written to `tmp/` with CRLF line ends, fsynced and
   * renamed into `cur/` with `flags` (system flags and keywords); it gets its UID at once.
   */
  append(chunks: readonly Uint8Array[], options: AppendOptions = {}): Promise<MessageInfo> {
    return this.#lock.run(() => {
      this.#assertNotGone();
      return this.#ownChange(() => appendMessage(this.#parts(), chunks, options));
    });
  }

  /**
   * Moves messages into `destination`, another folder on the same file system (IMAP MOVE):
   * each file with one rename, so it is in exactly one of the two at every instant (see
   * move.ts). Both locks are taken in directory order, so two opposite moves cannot deadlock.
   * A change of ours to both: neither needs a whole listing for it (see `keepCurTrusted`).
   */
  moveTo(
    destination: Mailbox,
    uids: readonly number[],
    options: { origin?: unknown } = {},
  ): Promise<MoveResult> {
    if (destination.dir === this.dir) {
      return Promise.reject(new Error(`Cannot move messages of "${this.dir}" into itself`));
    }
    const task = { uids, origin: options.origin ?? null };
    return this.#withBothLocks(destination, () => {
      destination.#assertNotGone();
      const move = () => moveMessages(this.#parts(), destination.#parts(), task);
      return this.#ownChange(() => destination.#ownChange(move));
    });
  }

  /**
   * Copies messages, all or none, into `destination` (IMAP COPY; may be this
   * one) under both locks for the whole copy, taken like `moveTo`'s: a
   * DELETE or RENAME of the destination waits rather than cutting it in two.
   */
  copyTo(destination: Mailbox, uids: readonly number[]): Promise<MoveResult> {
    return this.#withBothLocks(destination, () => {
      destination.#assertNotGone();
      const copy = () => copyMessages(this.#parts(), destination.#parts(), { uids });
      return destination.#ownChange(copy);
    });
  }

  /** Runs `task` holding this lock and `other`'s, taken in directory order: no deadlock. */
  #withBothLocks<T>(other: Mailbox, task: () => Promise<T>): Promise<T> {
    if (other.dir === this.dir) return this.#lock.run(task);
    const [first, second] = this.dir < other.dir ? [this, other] : [other, this];
    return first.#lock.run(() => second.#lock.run(task));
  }

  /**
   * With the lock held (DELETE and RENAME take it): an APPEND, COPY or MOVE
   * through an instance whose folder went meanwhile would write into a gone
   * directory, or a new one numbered by this dead UID list (a wrong
   * APPENDUID). `FolderError` "missing", as if gone when it was opened.
   */
  #assertNotGone(): void {
    if (this.#isGone) throw new FolderError(`Folder "${this.folder}" does not exist`);
  }

  /** @internal Runs `task` holding this mailbox's lock (the registry's DELETE and RENAME). */
  whileLocked<T>(task: () => Promise<T>): Promise<T> {
    return this.#lock.run(task);
  }

  /** Subscribes to changes; returns the unsubscribe function. */
  onChange(listener: (change: MailboxChange) => void): () => void {
    const remove = this.#events.add(listener);
    return () => {
      remove();
      this.#holders.maybeIdle();
    };
  }

  /**
   * Takes the mailbox's exclusive lease (one POP3 session at a time); null if
   * taken, here or through another instance of this directory.
   */
  tryLease(): (() => void) | null {
    return this.#holders.tryLease();
  }

  /** Says the caller is done with this instance (pairs with `openMailbox`). */
  release(): void {
    this.#holders.release();
  }

  /** @internal Counts an `openMailbox` caller. */
  retain(): void {
    this.#holders.retain();
  }

  /** @internal Loads the index (once). */
  async load(): Promise<void> {
    await this.#lock.run(async () => {
      await this.#index.load();
      if (!this.#isKeywordsLoaded) await this.#keywords.load();
      this.#isKeywordsLoaded = true;
    });
  }

  /**
   * @internal Whether the Maildir was removed on disk since this instance
   * loaded it (its index file is gone): the registry then opens a new one.
   */
  isRemovedOnDisk(): Promise<boolean> {
    return this.#index.isFileGone();
  }

  /** True once the folder was deleted or renamed (the registry no longer hands it out). */
  get isGone(): boolean {
    return this.#isGone;
  }

  /** @internal The registry dropped it for a DELETE or RENAME: listeners hear "gone". */
  markGone(reason: "deleted" | "renamed"): void {
    if (this.#isGone) return;
    this.#isGone = true;
    this.#index.retire();
    this.#events.emit({ kind: "gone", reason });
  }

  /** @internal Nobody uses it: the registry may drop it. */
  get isIdle(): boolean {
    return this.#holders.isIdle;
  }

  /**
   * For a change (lock held) that finds a file not where the listing says:
   * the entry of `uid` after one rescan (another MUA renamed the file to
   * change its flags), or undefined once it is really gone. One rescan per
   * change at most: after it, every other entry is as fresh as can be.
   */
  #findAgain(): (uid: number) => Promise<Entry | undefined> {
    let isRescanned = false;
    return async (uid) => {
      this.#listing.isDirty = true;
      if (isRescanned) return undefined;
      isRescanned = true;
      await this.#refresh();
      return this.#table.get(uid);
    };
  }

  async #refresh(): Promise<readonly MessageInfo[]> {
    const onUnreachable = (path: string) => this.#unreachable.warn(path, this.#options.log);
    if (this.#isGone) {
      await relistReplaced(this.#parts(), { onUnreachable });
      return this.messages();
    }
    const result = await refreshListing(this.#parts(), this.#listing, { onUnreachable });
    return result === "removed" ? this.#removedOnDisk() : this.messages();
  }

  /**
   * The Maildir was removed behind our back (an administrator discarding a
   * deleted account's mail): sessions hear "deleted" (IMAP says BYE, as for
   * a DELETE by another session) and the registry opens a new instance.
   */
  #removedOnDisk(): readonly MessageInfo[] {
    this.#options.log.warn("mailbox.removed", { dir: this.dir });
    this.markGone("deleted");
    return this.messages();
  }

  /** An operation of ours on cur/ (lock held): see `keepCurTrusted`. */
  #ownChange<T>(change: () => Promise<T>): Promise<T> {
    return keepCurTrusted(this.dir, this.#listing, change);
  }

  #parts(): MailboxParts {
    return {
      dir: this.dir,
      hostname: this.#options.hostname,
      log: this.#options.log,
      table: this.#table,
      index: this.#index,
      keywords: this.#keywords,
      keywordNames: this.#keywordNames,
      events: this.#events,
      arrivals: this.arrivals,
      reads: this.#reads,
      findAgain: () => this.#findAgain(),
      markDirty: () => this.#listing.isDirty = true,
      removeFile: this.#options.removeFile,
    };
  }

  #logError(event: string, error: unknown): void {
    const text = error instanceof Error ? error.message : String(error);
    this.#options.log.error(event, { dir: this.dir, error: text });
  }
}
