/**
 * The registry of open mailboxes: one `Mailbox` per Maildir directory in
 * this process, so all sessions share its lock, listing and events.
 * Delivery reaches it through `MaildirStore.onDelivered`.
 */
import { join } from "node:path";
import type { Logger } from "../log/mod.ts";
import type { SpareFiles } from "../spool/mod.ts";
import { Mailbox } from "./mailbox.ts";
import { deleteFolder, renameFolder } from "./folders.ts";
import { foldersWithUntakenDovecotList } from "./dovecot_lists_first.ts";
import { mailboxDirUnder, type MaildirStore } from "./maildir.ts";
import { FolderError } from "./mailbox_types.ts";
import { folderDir, INBOX } from "./folder_dir.ts";

export { FolderError, type FolderProblem } from "./mailbox_types.ts";
export { folderDir, INBOX } from "./folder_dir.ts";

/** How many idle mailboxes stay loaded. */
const MAX_IDLE_MAILBOXES = 32;
/**
 * And how many messages they may hold together (the newest idle one always
 * stays). A loaded message costs some 300 bytes of heap (100,000 of
 * them: 31 MB; ~35 MB of RSS), so this keeps the cache inside what a small
 * host can spare; a dropped mailbox costs its next login the index's reload
 * (2.3 s for 100,000 messages).
 */
const MAX_IDLE_MESSAGES = 100_000;

/** Opens mailboxes of accounts under one spool. */
export class Mailboxes {
  /** `<spool>/mail`, normalised once. */
  readonly #mailRoot: string;
  readonly #hostname: string;
  readonly #log: Logger;
  readonly #open = new Map<string, Promise<Mailbox>>();
  /** Idle mailboxes kept loaded (oldest first), so the next login skips reading the index. */
  readonly #idle = new Map<string, Mailbox>();
  readonly #maxIdle: { mailboxes: number; messages: number };
  readonly #spares: SpareFiles | null;
  /** The directories a POP3 session has leased, whichever instance it holds (see `LeaseRegistry`). */
  readonly #leasedDirs = new Set<string>();
  /** DELETE and RENAME under way, per account directory (`#takeAway`): opening waits for them. */
  readonly #folderChanges = new Map<string, Promise<void>>();

  constructor(
    options: {
      spoolDir: string;
      hostname: string;
      log: Logger;
      store?: MaildirStore;
      /** Where expunged messages' files go (see SpareFiles); without it they are deleted. */
      spares?: SpareFiles | null;
      /** Bounds of the idle cache (defaults: 32 mailboxes, 100,000 messages). */
      maxIdle?: { mailboxes: number; messages: number };
    },
  ) {
    this.#maxIdle = options.maxIdle ??
      { mailboxes: MAX_IDLE_MAILBOXES, messages: MAX_IDLE_MESSAGES };
    this.#mailRoot = join(options.spoolDir, "mail");
    this.#hostname = options.hostname;
    this.#log = options.log;
    this.#spares = options.spares ?? null;
    options.store?.onDelivered((account) => this.noteDelivery(account));
  }

  /**
   * The account's root Maildir directory (its INBOX). Asked for every delivery (`noteDelivery`):
   * below `<spool>/mail` normalised once, not through path.join each time.
   */
  accountDir(account: string): string {
    return mailboxDirUnder(this.#mailRoot, account);
  }

  /**
   * The shared `Mailbox` for `folder` of `account`, its index loaded (call
   * `refresh()` to list). INBOX is created when missing; another folder only
   * with `create: true` (else `FolderError`). Pair every call with `release()`.
   */
  async openMailbox(
    account: string,
    folder = INBOX,
    options: { create?: boolean } = {},
  ): Promise<Mailbox> {
    const dir = folderDir(this.accountDir(account), folder);
    const root = this.accountDir(account);
    const isInbox = dir === root;
    while (true) {
      const change = this.#folderChanges.get(root);
      if (change !== undefined) {
        await change;
        continue;
      }
      let opening = this.#open.get(dir);
      const isShared = opening !== undefined;
      if (opening === undefined) {
        opening = this.#create(account, isInbox ? INBOX : folder, dir, isInbox || !!options.create);
        this.#open.set(dir, opening);
        opening.catch(() => this.#open.delete(dir));
      }
      const mailbox = await opening;
      // Removed by hand (a deleted account's Maildir, say) since it was loaded: its UIDs
      // describe nothing on disk any more. Its sessions hear "deleted"; we start afresh.
      if (isShared && (mailbox.isGone || await mailbox.isRemovedOnDisk())) {
        if (this.#open.get(dir) === opening) this.#retire((other) => other === dir, "deleted");
        continue;
      }
      // Dropped as idle while we waited: open again rather than share a stale instance.
      if (this.#open.get(dir) !== opening) continue;
      mailbox.retain();
      this.#idle.delete(dir);
      try {
        await mailbox.load();
      } catch (error) {
        mailbox.release();
        throw error;
      }
      // Deleted or renamed while it loaded: its "gone" was told before this caller listened.
      if (mailbox.isGone) {
        mailbox.release();
        continue;
      }
      return mailbox;
    }
  }

  /** Tells an open INBOX that a message was delivered (listeners hear "added" at once). */
  noteDelivery(account: string): void {
    let dir: string;
    try {
      dir = this.accountDir(account);
    } catch {
      return;
    }
    this.#open.get(dir)?.then((mailbox) => mailbox.noteDelivery(), () => {});
  }

  /**
   * Deletes a folder (see `deleteFolder`) while its open instance is locked
   * (see `#takeAway`); then every session that has it selected hears "gone"
   * and no one is handed the old listing again.
   */
  async deleteFolder(account: string, folder: string): Promise<void> {
    const root = this.accountDir(account);
    const dir = folderDir(root, folder);
    await this.#takeDovecotListsFirst(account, (other) => other !== dir);
    await this.#takeAway(root, {
      matches: (other) => other === dir,
      reason: "deleted",
      operation: () => deleteFolder(root, folder, { log: this.#log }),
    });
  }

  /** Renames a folder and its subfolders (see `renameFolder`), their instances locked and dropped like `deleteFolder`'s. */
  async renameFolder(account: string, from: string, to: string): Promise<void> {
    const root = this.accountDir(account);
    const dir = folderDir(root, from);
    await this.#takeDovecotListsFirst(account, () => true);
    await this.#takeAway(root, {
      matches: (other) => other === dir || other.startsWith(dir + "."),
      reason: "renamed",
      operation: () => renameFolder(root, { from, to }, { log: this.#log }),
    });
  }

  /**
   * Lists each folder of `account` (those `isKept`, by directory) that still
   * has Dovecot's list to take, before a DELETE or RENAME raises the floor
   * that would have it ignored (see dovecot_lists_first.ts). A folder that
   * cannot be listed now is logged and left: the change goes on.
   */
  async #takeDovecotListsFirst(account: string, isKept: (dir: string) => boolean): Promise<void> {
    const root = this.accountDir(account);
    for (const folder of await foldersWithUntakenDovecotList(root)) {
      if (!isKept(folderDir(root, folder))) continue;
      try {
        const mailbox = await this.openMailbox(account, folder);
        try {
          await mailbox.refresh();
        } finally {
          mailbox.release();
        }
      } catch (error) {
        this.#log.warn("mailbox.dovecot_uidlist_not_taken", {
          dir: folderDir(root, folder),
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }

  /**
   * Runs a DELETE or RENAME while every open instance of the directories it
   * takes away is locked, so a MOVE, COPY or APPEND into one of them finishes
   * first (files moved into a folder that is renamed aside and removed
   * half way through a MOVE could not be put back: they were lost). Opening
   * any mailbox of the account waits meanwhile, so no unlocked instance
   * appears. The instances are retired (their listeners hear "gone") before
   * their locks are let go.
   */
  async #takeAway(
    root: string,
    change: {
      matches: (dir: string) => boolean;
      reason: "deleted" | "renamed";
      operation: () => Promise<void>;
    },
  ): Promise<void> {
    const earlier = this.#folderChanges.get(root) ?? Promise.resolve();
    let finish = () => {};
    const gate = new Promise<void>((resolve) => finish = resolve);
    const mine = earlier.then(() => gate);
    this.#folderChanges.set(root, mine);
    try {
      await earlier;
      const opened = [...this.#open].filter(([dir]) => change.matches(dir));
      const instances = (await Promise.all(opened.map(([, opening]) => opening.catch(() => null))))
        .filter((mailbox) => mailbox !== null)
        .sort((a, b) => a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0);
      // Locks in directory order, as `Mailbox.moveTo` takes them: no deadlock.
      const locked = instances.reduceRight<() => Promise<void>>(
        (inner, mailbox) => () => mailbox.whileLocked(inner),
        async () => {
          try {
            await change.operation();
          } finally {
            this.#retire(change.matches, change.reason);
          }
        },
      );
      await locked();
    } finally {
      finish();
      if (this.#folderChanges.get(root) === mine) this.#folderChanges.delete(root);
    }
  }

  /** Drops the instances of matching directories from the registry and tells their listeners. */
  #retire(matches: (dir: string) => boolean, reason: "deleted" | "renamed"): void {
    for (const [dir, opening] of [...this.#open]) {
      if (!matches(dir)) continue;
      this.#open.delete(dir);
      this.#idle.delete(dir);
      opening.then((mailbox) => mailbox.markGone(reason), () => {});
    }
  }

  /**
   * Keeps an idle mailbox loaded; past `MAX_IDLE_MAILBOXES` or
   * `MAX_IDLE_MESSAGES`, the longest idle ones are dropped. A kept one is
   * revalidated on its next `refresh` (mtimes of new/ and cur/; delivery and
   * every change in this process go through it, so nothing else can be stale).
   */
  #parkIdle(dir: string, mailbox: Mailbox): void {
    if (!mailbox.isIdle || mailbox.isGone) return;
    this.#idle.delete(dir);
    this.#idle.set(dir, mailbox);
    let messageCount = 0;
    for (const idle of this.#idle.values()) messageCount += idle.messageCount;
    for (const [oldDir, oldest] of this.#idle) {
      const isOver = this.#idle.size > this.#maxIdle.mailboxes ||
        messageCount > this.#maxIdle.messages;
      if (!isOver || oldest === mailbox) break;
      messageCount -= oldest.messageCount;
      this.#idle.delete(oldDir);
      if (oldest.isIdle) this.#open.delete(oldDir);
    }
  }

  async #create(account: string, folder: string, dir: string, mayCreate: boolean) {
    const subs = ["tmp", "new", "cur"];
    if (mayCreate) {
      for (const sub of subs) await Deno.mkdir(join(dir, sub), { recursive: true, mode: 0o700 });
      if (folder !== INBOX) {
        await Deno.writeFile(join(dir, "maildirfolder"), new Uint8Array(), { mode: 0o600 });
      }
    } else {
      // A folder exists when its cur/ does (as LIST sees it); a missing tmp/ or new/ (a
      // backup that skips empty directories) is made, not refused.
      const info = await Deno.stat(join(dir, "cur")).catch(() => null);
      if (!info?.isDirectory) throw new FolderError(`Folder "${folder}" does not exist`);
      for (const sub of ["tmp", "new"]) {
        try {
          await Deno.mkdir(join(dir, sub), { mode: 0o700 });
        } catch (error) {
          if (error instanceof Deno.errors.NotFound) {
            throw new FolderError(`Folder "${folder}" does not exist`);
          }
          if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
        }
      }
    }
    return new Mailbox({
      account,
      folder,
      dir,
      accountDir: this.accountDir(account),
      hostname: this.#hostname,
      log: this.#log.with({ component: "mailbox" }),
      onRelease: (mailbox) => this.#parkIdle(dir, mailbox),
      leasedDirs: this.#leasedDirs,
      removeFile: this.#spares
        ? (path) => this.#spares!.recycle(path)
        : (path) => Deno.remove(path),
    });
  }
}
