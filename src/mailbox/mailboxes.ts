/**
 * The registry of open mailboxes: one `Mailbox` per Maildir directory in
 * this process, so all sessions share its lock, listing and events.
 * Delivery reaches it through `MaildirStore.onDelivered`.
 */
import { join } from "node:path";
import type { Logger } from "../log/mod.ts";
import { Mailbox } from "./mailbox.ts";
import { mailboxDir, type MaildirStore } from "./maildir.ts";

/** The folder name meaning the account's root Maildir. */
export const INBOX = "INBOX";

/** The folder does not exist (and `create` was not asked for) or its name is not allowed. */
export class FolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FolderError";
  }
}

/**
 * The directory of `folder` under an account's Maildir: INBOX is the root,
 * any other folder the Maildir++ subfolder `.<folder>` ("." separates
 * levels: "Archive.2024"). Throws `FolderError` for names that could leave
 * the account's directory or break the layout.
 */
export function folderDir(root: string, folder: string): string {
  if (folder.toUpperCase() === INBOX) return root;
  const isSafe = folder.length <= 255 && !/[\/\\\x00-\x1f\x7f]/.test(folder) &&
    folder.split(".").every((level) => level !== "");
  if (!isSafe) throw new FolderError(`Folder name "${folder}" is not allowed`);
  return join(root, "." + folder);
}

/** Opens mailboxes of accounts under one spool. */
export class Mailboxes {
  readonly #spoolDir: string;
  readonly #hostname: string;
  readonly #log: Logger;
  readonly #open = new Map<string, Promise<Mailbox>>();

  constructor(
    options: { spoolDir: string; hostname: string; log: Logger; store?: MaildirStore },
  ) {
    this.#spoolDir = options.spoolDir;
    this.#hostname = options.hostname;
    this.#log = options.log;
    options.store?.onDelivered((account) => this.noteDelivery(account));
  }

  /** The account's root Maildir directory (its INBOX). */
  accountDir(account: string): string {
    return mailboxDir(this.#spoolDir, account);
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
    const isInbox = dir === this.accountDir(account);
    while (true) {
      let opening = this.#open.get(dir);
      if (opening === undefined) {
        opening = this.#create(account, isInbox ? INBOX : folder, dir, isInbox || !!options.create);
        this.#open.set(dir, opening);
        opening.catch(() => this.#open.delete(dir));
      }
      const mailbox = await opening;
      // Dropped as idle while we waited: open again rather than share a stale instance.
      if (this.#open.get(dir) !== opening) continue;
      mailbox.retain();
      try {
        await mailbox.load();
      } catch (error) {
        mailbox.release();
        throw error;
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

  async #create(account: string, folder: string, dir: string, mayCreate: boolean) {
    const subs = ["tmp", "new", "cur"];
    if (mayCreate) {
      for (const sub of subs) await Deno.mkdir(join(dir, sub), { recursive: true, mode: 0o700 });
      if (folder !== INBOX) await Deno.writeFile(join(dir, "maildirfolder"), new Uint8Array());
    } else {
      for (const sub of subs) {
        const info = await Deno.stat(join(dir, sub)).catch(() => null);
        if (!info?.isDirectory) throw new FolderError(`Folder "${folder}" does not exist`);
      }
    }
    return new Mailbox({
      account,
      folder,
      dir,
      hostname: this.#hostname,
      log: this.#log.with({ component: "mailbox" }),
      onRelease: (mailbox) => {
        if (mailbox.isIdle) this.#open.delete(dir);
      },
    });
  }
}
