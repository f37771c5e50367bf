/**
 * The in-memory side of the UID index file: base name -> UID for every
 * line in the file, UIDVALIDITY and UIDNEXT. Loads once, appends new
 * assignments, rebuilds a missing or corrupt file with a new UIDVALIDITY,
 * and compacts (drops expunged lines) once enough of them pile up.
 */
import { join } from "node:path";
import type { Logger } from "../log/mod.ts";
import type { FoundFile } from "./scan.ts";
import { inDeliveryOrder } from "./delivery_order.ts";
import {
  appendUidList,
  issueUidValidity,
  readUidList,
  UID_LIST_FILE,
  writeUidList,
} from "./uid_list.ts";
import { readUidValidityFloor } from "./uid_validity_floor.ts";
import { setDovecotStateAside, takeDovecotUids, takenDovecotUidValidity } from "./dovecot_uids.ts";

/** Expunged lines allowed before a compaction: this many, or an eighth of the live ones. */
const MIN_STALE_LINES = 32;

/** UID bookkeeping for one Maildir. Callers serialise access (the mailbox lock). */
export class UidIndex {
  readonly #dir: string;
  readonly #path: string;
  readonly #log: Logger;
  readonly #accountDir: string | null;
  #uids = new Map<string, number>();
  #uidValidity = 0;
  #uidNext = 1;
  #isLoaded = false;
  /** The file must be written in full before the next append (missing, corrupt, torn). */
  #mustRewrite = false;
  /** A sound file was read or written: from then on it exists unless the Maildir was removed. */
  #hasFile = false;
  /** The Maildir went (removed, deleted or renamed): the file at our path is no longer ours. */
  #isRetired = false;
  /** UIDs were taken from Dovecot's list: it goes aside once our index holds them. */
  #isDovecotListTaken = false;

  /** `accountDir`: the account's root Maildir, whose UIDVALIDITY floor a new index starts above. */
  constructor(dir: string, log: Logger, options: { accountDir?: string } = {}) {
    this.#dir = dir;
    this.#path = join(dir, UID_LIST_FILE);
    this.#log = log;
    this.#accountDir = options.accountDir ?? null;
  }

  get uidValidity(): number {
    return this.#uidValidity;
  }

  get uidNext(): number {
    return this.#uidNext;
  }

  /** True until the first scan has written a sound index. */
  get isStale(): boolean {
    return this.#mustRewrite || !this.#isLoaded;
  }

  /**
   * Reads the index file (once). A corrupt file starts a new UIDVALIDITY; so
   * does a missing one, unless Dovecot's list of a Maildir copied in gives
   * the UIDVALIDITY and UIDs its clients know (see `takeDovecotUids`).
   */
  async load(): Promise<void> {
    if (this.#isLoaded) return;
    const parsed = await readUidList(this.#path);
    if (parsed.kind === "ok") {
      this.#uidValidity = parsed.data.uidValidity;
      this.#uidNext = parsed.data.uidNext;
      for (const entry of parsed.data.entries) this.#uids.set(entry.base, entry.uid);
      this.#mustRewrite = parsed.needsRewrite;
      this.#hasFile = true;
    } else {
      const previous = parsed.kind === "corrupt" ? parsed.uidValidity : null;
      const floor = this.#accountDir === null ? null : await readUidValidityFloor(this.#accountDir);
      // Only a folder that never had an index of ours: a damaged one was ours, with
      // UIDs given since that Dovecot's list does not know.
      const dovecot = parsed.kind === "missing"
        ? await takeDovecotUids(this.#dir, { floor, log: this.#log })
        : null;
      if (dovecot?.kind === "taken") {
        this.#uidValidity = dovecot.data.uidValidity;
        this.#uidNext = dovecot.data.uidNext;
        for (const entry of dovecot.data.entries) this.#uids.set(entry.base, entry.uid);
        this.#isDovecotListTaken = true;
      } else {
        // Our index went (deleted, damaged) after it took Dovecot's, or Dovecot's list was
        // damaged: clients may hold that UIDVALIDITY, and a clock that was behind Dovecot's
        // would give a smaller one.
        const taken = await takenDovecotUidValidity(this.#dir);
        const ignored = dovecot?.uidValidity ?? null;
        this.#uidValidity = issueUidValidity(
          Math.max(previous ?? 0, floor ?? 0, taken ?? 0, ignored ?? 0) || null,
        );
      }
      this.#mustRewrite = true;
      if (parsed.kind === "corrupt") {
        this.#log.warn("mailbox.index_rebuilt", {
          path: this.#path,
          reason: parsed.reason,
          uidvalidity: this.#uidValidity,
        });
      }
    }
    this.#isLoaded = true;
  }

  /**
   * Splits found files into those the index knows and new ones, which get
   * UIDs in name (delivery time) order and are recorded durably. With
   * `isListedBefore` (`found` then holds only files the listing lacks), a
   * file the index knows is new all the same: it was listed gone since
   * (another program took it out and put it back), and
   * clients that heard its UID expunged, or fetch above the last UID they
   * saw, must hear of it as a new message (RFC 9051 2.3.1.1: UIDs ascend
   * as messages are added). Its new line overrides the old one.
   */
  async match(
    found: ReadonlyMap<string, FoundFile>,
    options: { isListedBefore?: boolean } = {},
  ): Promise<{ known: [number, FoundFile][]; fresh: [number, FoundFile][] }> {
    const known: [number, FoundFile][] = [];
    let unknown: FoundFile[] = [];
    for (const file of found.values()) {
      const uid = options.isListedBefore ? undefined : this.#uids.get(file.base);
      if (uid === undefined) unknown.push(file);
      else known.push([uid, file]);
    }
    unknown = inDeliveryOrder(unknown, (file) => file.base);
    let uids: number[];
    try {
      uids = await this.assign(unknown.map((file) => file.base));
    } catch (error) {
      // No UID without its line on disk (see `assign`): they wait, unlisted, for the next
      // scan. The rest stays readable, so a user on a full disk can delete mail to make room.
      this.#log.error("mailbox.index_write_failed", {
        path: this.#path,
        unlisted: unknown.length,
        error: error instanceof Error ? error.message : String(error),
      });
      return { known, fresh: [] };
    }
    return { known, fresh: unknown.map((file, i) => [uids[i] as number, file]) };
  }

  /**
   * Gives `bases` the next UIDs and records them (append, or a full write if
   * due). If recording fails (a full disk), the bases stay unknown, so the
   * next scan gives them new UIDs and records those: a UID kept only in
   * memory would be shown to clients and given to another message after a
   * restart. The failed UIDs are skipped (never shown), and the next write is
   * a full one, for the failed append may have left half a line.
   */
  async assign(bases: readonly string[]): Promise<number[]> {
    const entries = bases.map((base) => ({ uid: this.#uidNext++, base }));
    for (const entry of entries) this.#uids.set(entry.base, entry.uid);
    try {
      if (this.#mustRewrite) await this.#writeAll();
      else await appendUidList(this.#path, entries);
    } catch (error) {
      for (const entry of entries) this.#uids.delete(entry.base);
      this.#mustRewrite = true;
      throw error;
    }
    return entries.map((entry) => entry.uid);
  }

  /**
   * Whether the index file this instance read or wrote has vanished: the
   * Maildir was removed (and maybe made again) behind our back, so these
   * UIDs and this UIDVALIDITY no longer describe it.
   */
  async isFileGone(): Promise<boolean> {
    if (!this.#hasFile) return false;
    try {
      await Deno.stat(this.#path);
      return false;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return true;
      throw error;
    }
  }

  /**
   * Never writes the file again: the Maildir was removed (and maybe made
   * again, with an index of its own at our path), deleted or renamed. A
   * compaction after that would put this UIDVALIDITY and these UIDs over the
   * new index, which then hands out UIDs the old UIDVALIDITY already used.
   */
  retire(): void {
    this.#isRetired = true;
  }

  /**
   * Rewrites the file without expunged lines once they pass the threshold (or
   * a write is due); never once retired. Never throws: a compaction that
   * fails (a full disk) leaves lines naming no file, which are harmless until
   * a later one drops them, while what the caller did (an expunge, a move) stands.
   */
  async compactIfNeeded(liveCount: number, liveBases: () => Iterable<string>): Promise<void> {
    if (this.#isRetired) return;
    const stale = this.#uids.size - liveCount;
    const isDue = stale > MIN_STALE_LINES && stale > liveCount / 8;
    if (!isDue && !this.#mustRewrite) return;
    const live = new Map<string, number>();
    for (const base of liveBases()) {
      const uid = this.#uids.get(base);
      if (uid !== undefined) live.set(base, uid);
    }
    this.#uids = live;
    try {
      await this.#writeAll();
    } catch (error) {
      this.#log.warn("mailbox.compact_failed", {
        path: this.#path,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  async #writeAll(): Promise<void> {
    const entries = [...this.#uids].map(([base, uid]) => ({ uid, base }));
    entries.sort((a, b) => a.uid - b.uid);
    await writeUidList(this.#path, {
      uidValidity: this.#uidValidity,
      uidNext: this.#uidNext,
      entries,
    });
    this.#mustRewrite = false;
    this.#hasFile = true;
    if (this.#isDovecotListTaken) {
      this.#isDovecotListTaken = false;
      await setDovecotStateAside(this.#dir, this.#log);
    }
  }
}
