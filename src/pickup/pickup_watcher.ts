/**
 * The pickup folder `<spool-dir>/pickup/`: any file a local program puts
 * there (not a dotfile) is a message to send, enveloped as `sendmail -t`.
 *
 * Producers should write `.name` and rename it to `name` when complete.
 * For those that do not, a file is taken only once its size, mtime and
 * inode are unchanged across two looks at least `stableMs` apart (an empty
 * file: `emptyStableMs`), so a file still being written is never half-read.
 * The folder is scanned every second, not watched: Deno.watchFs's thread
 * opens what appears in the folder, and a FIFO any producer may make there
 * (`mkfifo`) blocks that open for good, and with it the process's exit at
 * SIGTERM. A file waits `stableMs` (2 s) anyway: the scans add at most 1 s.
 * A file is removed only after `spool.accept` committed it. A file that
 * cannot be used is moved to `<spool-dir>/pickup-rejected/NAME` with
 * `NAME.reason` next to it: never lost, never retried in a loop. When
 * queueing fails for a passing reason (disk full), the file stays and is
 * tried again at the next periodic scan. A file is claimed (renamed to a
 * private name, see claim.ts) before it is read, so the file removed is
 * always the one the queue took.
 */
import { join } from "node:path";
import type { Directory } from "../auth/mod.ts";
import type { Logger } from "../log/mod.ts";
import { prepareLocalMessage } from "../mail/mod.ts";
import { pathExists, readSameFile, type Spool, writeFileAtomic } from "../spool/mod.ts";
import { submitLocal } from "./submit.ts";
import { claimFile, releaseClaim, releaseLeftoverClaims } from "./claim.ts";
import { heldPickupName, settleHeldPickups } from "./held_pickups.ts";

/** What the watcher needs. */
export interface PickupOptions {
  spoolDir: string;
  spool: Spool;
  directory: Directory;
  hostname: string;
  /** Domain for addresses without one. */
  defaultDomain: string;
  maxMessageBytes: number;
  log: Logger;
  /** Periodic scan (default 1 s). */
  scanIntervalMs?: number;
  /** How long a file must stay unchanged before it is taken (default 2 s: a busy producer may pause). */
  stableMs?: number;
  /**
   * How long an empty file must stay empty before it is moved aside (default
   * 1 h): `cmd > pickup/file` creates the file at once, and the command may
   * print nothing for minutes. An empty file is never a message.
   */
  emptyStableMs?: number;
}

interface Sighting {
  key: string;
  /** When it was first seen so, on the monotonic clock (performance.now). */
  sinceMs: number;
}

/** Watches the pickup folder until stopped. */
export class PickupWatcher {
  readonly dir: string;
  readonly rejectedDir: string;
  readonly #options: PickupOptions;
  readonly #seen = new Map<string, Sighting>();
  /** Names reported as unusable (not UTF-8), so each is reported once. */
  readonly #reportedNames = new Set<string>();
  /**
   * Entries that are no file and could not be moved aside (another user's
   * folder: only its owner may move it), by name, with the inode and ctime
   * they had: tried again only once changed, not at every scan.
   */
  readonly #unmovable = new Map<string, string>();
  #interval: ReturnType<typeof setInterval> | null = null;
  #recheck: ReturnType<typeof setTimeout> | null = null;
  #scanning: Promise<void> | null = null;
  #isScanRequested = false;
  #isStopped = false;

  constructor(options: PickupOptions) {
    this.#options = options;
    this.dir = join(options.spoolDir, "pickup");
    this.rejectedDir = join(options.spoolDir, "pickup-rejected");
  }

  /** Creates the folders, scans once and then every `scanIntervalMs`. */
  async start(): Promise<void> {
    await Deno.mkdir(this.dir, { recursive: true, mode: 0o700 });
    await Deno.mkdir(this.rejectedDir, { recursive: true, mode: 0o700 });
    // Messages queued held before a crash first: whether each goes depends on its claim.
    await settleHeldPickups({
      spool: this.#options.spool,
      pickupDir: this.dir,
      log: this.#options.log,
    });
    const { released, failed } = await releaseLeftoverClaims(this.dir);
    if (released > 0) this.#options.log.info("pickup.claims_released", { files: released });
    for (const { file, error } of failed) {
      this.#options.log.error("pickup.release_failed", { file, error });
    }
    this.#interval = setInterval(() => this.#requestScan(), this.#options.scanIntervalMs ?? 1_000);
    this.#requestScan();
  }

  async stop(): Promise<void> {
    this.#isStopped = true;
    if (this.#interval !== null) clearInterval(this.#interval);
    if (this.#recheck !== null) clearTimeout(this.#recheck);
    await this.#scanning;
  }

  #requestScan(): void {
    if (this.#isStopped) return;
    if (this.#scanning) {
      this.#isScanRequested = true;
      return;
    }
    this.#scanning = this.#scan()
      .catch((error: unknown) =>
        this.#options.log.error("pickup.scan_failed", { error: String(error) })
      )
      .finally(() => {
        this.#scanning = null;
        if (this.#isScanRequested) {
          this.#isScanRequested = false;
          this.#requestScan();
        }
      });
  }

  async #scan(): Promise<void> {
    const stableMs = this.#options.stableMs ?? 2_000;
    const present = new Set<string>();
    let isWaiting = false;
    for await (const entry of Deno.readDir(this.dir)) {
      if (this.#isStopped) return;
      if (entry.name.startsWith(".")) continue;
      present.add(entry.name);
      const path = join(this.dir, entry.name);
      let info: Deno.FileInfo;
      try {
        info = await Deno.lstat(path);
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) this.#reportName(entry.name);
        continue; // gone meanwhile
      }
      if (!info.isFile) {
        const key = `${info.ino}:${info.ctime?.getTime()}`;
        if (this.#unmovable.get(entry.name) === key) continue; // reported once already
        const reason = "Not a regular file (symlinks and folders are not taken)";
        if (!await this.#reject(entry.name, reason)) this.#unmovable.set(entry.name, key);
        continue;
      }
      const key = `${info.size}:${info.mtime?.getTime()}:${info.ino}`;
      const seen = this.#seen.get(entry.name);
      // A duration, on the monotonic clock: a wall clock set back would hold the file for as
      // long as the step, one set forward could take a file whose writer only paused.
      const nowMs = performance.now();
      // An empty file waits for the periodic scans (no quick recheck): it changes when written.
      const isEmpty = info.size === 0;
      const waitMs = isEmpty ? this.#options.emptyStableMs ?? 3_600_000 : stableMs;
      if (!seen || seen.key !== key) {
        this.#seen.set(entry.name, { key, sinceMs: nowMs });
        isWaiting ||= !isEmpty;
      } else if (nowMs - seen.sinceMs < waitMs) {
        isWaiting ||= !isEmpty;
      } else {
        await this.#take(entry.name, info);
      }
    }
    for (const name of this.#seen.keys()) if (!present.has(name)) this.#seen.delete(name);
    for (const name of this.#reportedNames) {
      if (!present.has(name)) this.#reportedNames.delete(name);
    }
    for (const name of this.#unmovable.keys()) if (!present.has(name)) this.#unmovable.delete(name);
    if (isWaiting && !this.#isStopped) {
      if (this.#recheck !== null) clearTimeout(this.#recheck);
      this.#recheck = setTimeout(() => {
        this.#recheck = null;
        this.#requestScan();
      }, stableMs);
    }
  }

  async #take(name: string, info: Deno.FileInfo): Promise<void> {
    const { log, maxMessageBytes } = this.#options;
    if (info.size > maxMessageBytes * 2) {
      await this.#reject(name, `Larger than the message size limit (${maxMessageBytes} bytes)`);
      return;
    }
    // Renamed to a private name first: whatever happens to `name` from now on,
    // the file removed at the end is the one read.
    const claimed = await claimFile(this.dir, name);
    if (claimed === null) return; // gone meanwhile
    this.#seen.delete(name);
    let bytes: Uint8Array;
    try {
      const now = await Deno.lstat(claimed);
      if (now.ino !== info.ino) {
        // Replaced after the look (a newcomer may still be being written): back, unread.
        await releaseClaim(claimed, this.dir, name);
        return;
      }
      // Checked again on the open file: a symlink swapped in after the look is followed by
      // the open, and would have us read (and send) a file its writer may not read; a file
      // changed since the look (or while read) is cut short, or past the size checked above.
      const read = await readSameFile(claimed, { ino: info.ino, size: info.size });
      if (read === null) {
        await releaseClaim(claimed, this.dir, name);
        return;
      }
      bytes = read;
    } catch (error) {
      if (error instanceof Deno.errors.PermissionDenied) {
        // Another user's file we may not read: it stays so until someone acts, so it is
        // moved aside (a rename needs only the folder's permission), not read again every scan.
        await this.#reject(name, `Cannot read the file: ${error.message}`, claimed);
        return;
      }
      log.warn("pickup.read_failed", { file: name, error: String(error) });
      await this.#release(claimed, name);
      return;
    }
    const prepared = prepareLocalMessage(bytes, {
      isExtractingRecipients: true,
      defaultDomain: this.#options.defaultDomain,
      hostname: this.#options.hostname,
      nowMs: Date.now(),
      maxMessageBytes,
    });
    if ("error" in prepared) {
      await this.#reject(name, prepared.error, claimed);
      return;
    }
    let qid: string;
    // Queued held, and let go only once the claim is removed: see held_pickups.ts.
    const heldName = heldPickupName(claimed);
    try {
      qid = await submitLocal(prepared, { ...this.#options, source: "pickup", heldName });
    } catch (error) {
      log.warn("pickup.deferred", { file: name, error: String(error) });
      await this.#release(claimed, name);
      return;
    }
    try {
      await Deno.remove(claimed).catch((error: unknown) => {
        if (!(error instanceof Deno.errors.NotFound)) throw error; // gone is as good as removed
      });
    } catch (error) {
      // Not taken after all: the held copy goes, the file comes back for the next scan.
      log.error("pickup.remove_failed", { file: name, qid, error: String(error) });
      await this.#options.spool.dropHeld(heldName).catch(() => {});
      await this.#release(claimed, name);
      return;
    }
    await this.#options.spool.release(heldName, qid).catch((error: unknown) =>
      // Still held: the next start lets it go (its claim is gone).
      log.error("pickup.held_release_failed", { file: name, qid, error: String(error) })
    );
    log.info("msg.queued", {
      qid,
      source: "pickup",
      file: name,
      from: prepared.from,
      rcpts: prepared.rcpts.length,
      bytes: prepared.message.length,
    });
  }

  /**
   * A name listed but not found: gone meanwhile, or a name that is not UTF-8
   * (Deno shows its bad bytes as U+FFFD and can open it under no name, nor
   * move it aside). That file would wait unseen for ever: say so, once.
   */
  #reportName(name: string): void {
    if (!name.includes("\uFFFD") || this.#reportedNames.has(name)) return;
    this.#reportedNames.add(name);
    this.#options.log.warn("pickup.unusable_name", {
      file: name,
      reason: "The file name is not UTF-8: the server cannot open it; rename it",
    });
  }

  /** Gives a claimed file back for a later scan; logged if even that fails (it stays claimed). */
  async #release(claimed: string, name: string): Promise<void> {
    try {
      await releaseClaim(claimed, this.dir, name);
    } catch (error) {
      this.#options.log.error("pickup.release_failed", { file: name, error: String(error) });
    }
  }

  /**
   * Moves `name` (or the file claimed for it) aside with a note; a name
   * already there gets a numeric suffix. If that fails, the note goes again
   * and a claimed file is released (given its name back) for the next scan.
   * Whether it was moved.
   */
  async #reject(name: string, reason: string, from = join(this.dir, name)): Promise<boolean> {
    // NAME.N.reason and its temporary name must fit the file system's name limit too.
    const base = shortened(name);
    let target = join(this.rejectedDir, base);
    const note = base === name ? `${reason}\n` : `${reason}\nOriginal name: ${name}\n`;
    let isNoted = false;
    try {
      for (let n = 1; await pathExists(target) || await pathExists(`${target}.reason`); n++) {
        target = join(this.rejectedDir, `${base}.${n}`);
      }
      // The note first, whole (atomic), then the file: never one without the other.
      await writeFileAtomic(`${target}.reason`, [new TextEncoder().encode(note)]);
      isNoted = true;
      await Deno.rename(from, target);
    } catch (error) {
      // A note of nothing would stay for good, and the next try writes another beside it.
      if (isNoted) await Deno.remove(`${target}.reason`).catch(() => {});
      this.#options.log.error("pickup.reject_failed", { file: name, error: String(error) });
      // A claimed file gets its name back (a full disk): under its claim name no scan
      // would see it again before a restart. The next scan tries once more.
      if (from !== join(this.dir, name)) await this.#release(from, name);
      return false;
    }
    this.#seen.delete(name);
    this.#options.log.warn("pickup.rejected", { file: name, moved: target, reason });
    return true;
  }
}

/**
 * Longest name kept for a file moved aside: leaves room under the usual
 * 255-byte limit for ".N", ".reason" and writeFileAtomic's ".tmp-<12 hex>".
 */
const MAX_REJECTED_NAME_BYTES = 200;
const encoder = new TextEncoder();

/** `name`, or its start (whole characters) when longer than {@link MAX_REJECTED_NAME_BYTES}. */
function shortened(name: string): string {
  if (encoder.encode(name).length <= MAX_REJECTED_NAME_BYTES) return name;
  let out = "";
  let bytes = 0;
  for (const char of name) {
    bytes += encoder.encode(char).length;
    if (bytes > MAX_REJECTED_NAME_BYTES - 1) break;
    out += char;
  }
  return `${out}~`;
}
