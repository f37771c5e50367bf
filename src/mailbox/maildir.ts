/**
 * Maildir delivery (the qmail way): write a file no reader sees (a spare
 * from the spool's pool, or a new one in `tmp/`), fsync, then link it into
 * `new/` of every recipient mailbox and fsync those directories. One write
 * serves any number of local recipients. File names carry the size (`,S=`)
 * so readers can list a mailbox without opening each message.
 */
import { join } from "node:path";
import { randomHex } from "../log/mod.ts";
import { discardFresh, type SpareFiles, syncDir, writeFreshFileDurably } from "../spool/mod.ts";

let deliveryCounter = 0;
let lastName = { seconds: 0, micros: -1 };

/** The directory of an account's Maildir: `<spool>/mail/<domain>/<local>`. */
export function mailboxDir(spoolDir: string, account: string): string {
  return mailboxDirUnder(join(spoolDir, "mail"), account);
}

/** `mailboxDir` below an already normalised `<spool>/mail` (no path.join per message). */
export function mailboxDirUnder(mailRoot: string, account: string): string {
  const at = account.lastIndexOf("@");
  const local = account.slice(0, at).toLowerCase();
  const domain = account.slice(at + 1).toLowerCase();
  if (at <= 0 || !isSafeName(local) || !isSafeName(domain)) {
    throw new Error(`Account "${account}" cannot name a mailbox directory`);
  }
  return `${mailRoot}/${domain}/${local}`;
}

function isSafeName(part: string): boolean {
  return part !== "" && !part.startsWith(".") && !/[\/\\\x00-\x1f]/.test(part);
}

/**
 * A unique Maildir base name with the message size: "1700000000.M123P45Q6.host,S=5120".
 * `nowMs` sets the time it starts with (IMAP APPEND with a date).
 */
export function maildirName(hostname: string, sizeBytes: number, nowMs = Date.now()): string {
  const seconds = Math.floor(nowMs / 1000);
  // Zero-padded and increasing within this process, so names sort in delivery
  // order and new messages get their UIDs in the order they arrived.
  let micros = (nowMs % 1000) * 1000;
  if (seconds === lastName.seconds && micros <= lastName.micros) micros = lastName.micros + 1;
  lastName = { seconds, micros: Math.min(micros, 999_999) };
  const host = hostname.replace(/\//g, "\\057").replace(/:/g, "\\072");
  const m = String(lastName.micros).padStart(6, "0");
  // The random part keeps names unique across restarts of a process with the same pid
  // (IMAP APPEND names a message by its own date, so the time alone may repeat).
  const random = randomHex(4);
  return `${seconds}.M${m}P${Deno.pid}Q${++deliveryCounter}R${random}.${host},S=${sizeBytes}`;
}

/** Whether `fileName` is one `maildirName` makes (a leftover of ours, not another program's file). */
export function isOwnMaildirName(fileName: string): boolean {
  return /^\d+\.M\d{6}P\d+Q\d+R[0-9a-f]{8}\./.test(fileName);
}

/** Delivers messages into account Maildirs under one spool directory. */
export class MaildirStore {
  readonly #mailRoot: string;
  readonly #hostname: string;
  readonly #knownDirs = new Set<string>();
  readonly #listeners: ((account: string) => void)[] = [];
  readonly #spares: SpareFiles | null;

  /** `spares`: empty files to write messages into (see SpareFiles); null creates each file. */
  constructor(options: { spoolDir: string; hostname: string; spares?: SpareFiles | null }) {
    this.#mailRoot = join(options.spoolDir, "mail");
    this.#hostname = options.hostname;
    this.#spares = options.spares ?? null;
  }

  /** Calls `listener(account)` after each delivery (IMAP IDLE hears about new mail this way). */
  onDelivered(listener: (account: string) => void): void {
    this.#listeners.push(listener);
  }

  /** Creates an account's Maildir (tmp, new, cur) if it does not exist yet. */
  async ensureMailbox(account: string): Promise<string> {
    const dir = mailboxDirUnder(this.#mailRoot, account);
    if (!this.#knownDirs.has(dir)) {
      for (const sub of ["tmp", "new", "cur"]) {
        await Deno.mkdir(join(dir, sub), { recursive: true, mode: 0o700 });
      }
      this.#knownDirs.add(dir);
    }
    return dir;
  }

  /**
   * Delivers one message to every account in `accounts`. Resolves once the
   * message is durable in each `new/`; rejects if any mailbox could not be
   * written, and then none keeps it (after a crash some may: a retry gives a
   * duplicate, never a loss).
   */
  async deliver(accounts: readonly string[], chunks: readonly Uint8Array[]): Promise<void> {
    if (accounts.length === 0) return;
    const unique = [...new Set(accounts.map((account) => account.toLowerCase()))];
    try {
      await this.#deliverOnce(unique, chunks);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      // A Maildir removed by hand while we run (say, of a deleted account that was added
      // again): forget that it existed, so the next attempt creates it, instead of every
      // delivery failing until a restart.
      for (const account of unique) {
        this.#knownDirs.delete(mailboxDirUnder(this.#mailRoot, account));
      }
      await this.#deliverOnce(unique, chunks);
    }
  }

  async #deliverOnce(unique: readonly string[], chunks: readonly Uint8Array[]): Promise<void> {
    let size = 0;
    for (const chunk of chunks) size += chunk.length;
    const dirs = await Promise.all(unique.map((account) => this.ensureMailbox(account)));
    const name = maildirName(this.#hostname, size);
    const first = dirs[0] as string;
    const tmpPath = `${first}/tmp/${name}`;
    const written = await writeFreshFileDurably(chunks, tmpPath, this.#spares);
    let failure = this.#commit(written, dirs, name);
    if (failure !== null && this.#spares?.owns(written)) {
      // A spare could not be moved into the mailbox (another file system?): write it as before.
      await discardFresh(written, this.#spares);
      const again = await writeFreshFileDurably(chunks, tmpPath, null);
      failure = this.#commit(again, dirs, name);
      if (failure !== null) await discardFresh(again, null);
    } else if (failure !== null) await discardFresh(written, null);
    if (failure !== null) throw failure;
    try {
      await Promise.all(dirs.map((dir) => syncDir(`${dir}/new`)));
    } catch (error) {
      // Not known to be on disk, and the caller tries again: no copy may stay to be doubled.
      for (const dir of dirs) {
        try {
          Deno.removeSync(`${dir}/new/${name}`);
        } catch { /* a duplicate at worst */ }
      }
      throw error;
    }
    for (const account of unique) for (const listener of this.#listeners) listener(account);
  }

  /**
   * Puts the written file into every `new/`: hard links for all but the
   * first mailbox, then a rename that commits the first. On failure, undoes
   * the links it made and returns the error.
   */
  #commit(written: string, dirs: readonly string[], name: string): unknown {
    const linked: string[] = [];
    try {
      for (const dir of dirs.slice(1)) {
        const target = `${dir}/new/${name}`;
        Deno.linkSync(written, target);
        linked.push(target);
      }
      Deno.renameSync(written, `${dirs[0]}/new/${name}`);
      return null;
    } catch (error) {
      for (const target of linked) {
        try {
          Deno.removeSync(target);
        } catch { /* best effort: a duplicate is better than a loss */ }
      }
      return error;
    }
  }
}
