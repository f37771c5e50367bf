/**
 * The queue: one file per message under `<spool-dir>/queue/`. `accept` is
 * the one way in for every source (SMTP, pickup, sendmail, bounces):
 * write a file no reader sees (a spare from `spare/`, or a new one in
 * `tmp/`), fsync, link it into `msg/`, fsync the directory. Only then does a
 * message exist, and only then may anyone be told it was accepted.
 */
import { join } from "node:path";
import { newId, newQid } from "../log/mod.ts";
import type { Logger } from "../log/mod.ts";
import { discardFresh, writeFreshFileDurably } from "./durable_file.ts";
import { syncDir } from "./dir_sync.ts";
import { SpareFiles } from "./spare_files.ts";
import { flush } from "./flush.ts";
import { decodeQueueFile, encodeEnvelopeLine, type Envelope } from "./envelope.ts";
import { MessageBuffer } from "./message_buffer.ts";
import { readOpenFile, readOpenFileSync, readWholeFile } from "./read_whole_file.ts";
import { type HeldQueueFile, holdForAttempt } from "./attempt_lock.ts";
import {
  checkFolderToWrite,
  type FileOwner,
  giveTo,
  giveToSync,
  makeFoldersToWrite,
} from "./ownership.ts";
import { COMMAND_TMP_PREFIX, sweepQueueTmp } from "./tmp_sweep.ts";
import {
  type AcceptRequest,
  HELD_PREFIX,
  type ImmediateDelivery,
  type QueuedMessage,
} from "./spool_types.ts";

/** Queue files up to this size are read on the main thread (see `Spool.read`). */
const INLINE_READ_MAX_BYTES = 256 * 1024;
/** The head of a queue file read for its envelope alone (a line of a few hundred recipients). */
const ENVELOPE_HEAD_BYTES = 64 * 1024;

/**
 * Finished files parked per spare the pool aims for, while mail moves: a
 * backlog drained to another server frees two files a message (queue and
 * state), and past the parking limit each was deleted on the spot, a pool
 * thread's wait on the disk with `discard`. With the disk and cores busy (a
 * 4,000-message drain beside three test suites) that took 699-920 msg/s
 * where parking took 1,178-1,590; on a quiet machine the two are even.
 */
const PARKED_WHILE_BUSY = 16;
/** What the pool keeps once the spool is quiet; the rest of the parked files are deleted then. */
const KEPT_WHEN_QUIET = 4;
const encoder = new TextEncoder();
const COPY_CHUNK_BYTES = 256 * 1024;

/** The on-disk queue. Create with `Spool.open`. */
export class Spool {
  readonly dir: string;
  readonly tmpDir: string;
  /** Normalised once: a message's path is this plus "/" and its qid (no path.join per use). */
  readonly msgDir: string;
  readonly #log: Logger;
  readonly #listeners: ((qid: string) => void)[] = [];
  /**
   * Names this process linked into msg/ whose accept (or release) is not over: `list` leaves
   * them out until the folder's fsync made them durable and the listeners heard of them. A
   * rescan that attempted one meanwhile was followed by the listener's "new, no state yet",
   * and recipients that attempt had delivered were sent a second copy.
   */
  readonly #announcing = new Set<string>();
  /** Who gets each message this process writes (see `open`'s `owner`); null: this process. */
  #owner: FileOwner | null = null;
  #immediate: ImmediateDelivery | null = null;
  /** Put in front of this process's names in `tmp/`: a command's, not the server's (tmp_sweep.ts). */
  #tmpPrefix = "";
  /** Empty files to write new messages into (the server's only); null in other processes. */
  spares: SpareFiles | null = null;

  private constructor(spoolDir: string, log: Logger) {
    this.dir = join(spoolDir, "queue");
    this.tmpDir = join(this.dir, "tmp");
    this.msgDir = join(this.dir, "msg");
    this.#log = log;
  }

  /**
   * Opens (creating as needed) the queue and sweeps leftovers of interrupted
   * writes. Other processes sharing a server's spool (`sendmail`, `queue`)
   * pass `isSweeping: false`: the server's messages in flight live in tmp/
   * (and theirs are named so that a server starting meanwhile leaves them).
   * `spareFiles` (the server only) keeps that many empty files in
   * `queue/spare/` for new messages, and parks up to 16 times as many
   * finished ones there instead of deleting them (4 times once quiet). `owner` (a command run as
   * root on a spool another user owns: see ownership.ts) gets the queue's
   * folders and every message this process queues, so the server can read them.
   */
  static async open(
    options: {
      spoolDir: string;
      log: Logger;
      isSweeping?: boolean;
      spareFiles?: number;
      owner?: FileOwner | null;
    },
  ): Promise<Spool> {
    const spool = new Spool(options.spoolDir, options.log);
    spool.#owner = options.owner ?? null;
    await makeFoldersToWrite([spool.dir, spool.tmpDir, spool.msgDir], spool.#owner);
    for (const dir of [spool.dir, spool.tmpDir, spool.msgDir]) {
      checkFolderToWrite(dir, spool.#owner);
      await giveTo(dir, spool.#owner);
    }
    if (options.isSweeping === false) {
      spool.#tmpPrefix = COMMAND_TMP_PREFIX;
      return spool;
    }
    const swept = await sweepQueueTmp(spool.tmpDir);
    if (swept > 0) options.log.info("spool.swept", { files: swept });
    if (options.spareFiles) {
      spool.spares = await SpareFiles.open(join(spool.dir, "spare"), {
        target: options.spareFiles,
        max: options.spareFiles * PARKED_WHILE_BUSY,
        keep: options.spareFiles * KEPT_WHEN_QUIET,
      });
      if (spool.spares === null) {
        options.log.warn("spool.spares_busy", { reason: "another process uses queue/spare/" });
      }
    }
    return spool;
  }

  /** A buffer for an incoming message; spills into the queue's tmp folder. */
  newBuffer(): MessageBuffer {
    return new MessageBuffer(() => `${this.tmpDir}/${this.#tmpPrefix}in-${newId()}`);
  }

  /** Calls `listener(qid)` after each successful accept (the delivery runner's wake-up). */
  onAccepted(listener: (qid: string) => void): void {
    this.#listeners.push(listener);
  }

  /** Lets delivery finish local recipients inside `accept` (one durable write, not two). */
  setImmediateDelivery(hook: ImmediateDelivery): void {
    this.#immediate = hook;
  }

  /**
   * Stores a message durably and returns its queue id. When this resolves
   * the message survives a crash (in a mailbox or in the queue); when it
   * rejects, nothing was stored.
   */
  async accept(request: AcceptRequest): Promise<string> {
    const qid = newQid();
    let envelope: Envelope = { ...request.envelope, qid, arrivalMs: Date.now() };
    // Plain concatenation on the hot path: the directories are normalised once,
    // and a qid is one safe name (path.join's normalising allocates per call).
    const tmpPath = `${this.tmpDir}/${this.#tmpPrefix}${qid}`;
    const prefix = request.prefix ? [encoder.encode(request.prefix(qid))] : [];
    /** The written file until it is linked into msg/ (then the link owns the message). */
    let writtenPath: string | null = null;
    try {
      const { spillFile, tail } = request.message instanceof Uint8Array
        ? { spillFile: null, tail: [request.message] }
        : await request.message.finish();
      if (spillFile === null && this.#immediate && request.heldName === undefined) {
        const done = new Set(
          await this.#immediate(envelope, [...prefix, ...tail], () => request.onAccepted?.(qid)),
        );
        if (done.size > 0) {
          const rest = envelope.rcpts.filter((rcpt) => !done.has(rcpt));
          if (rest.length === 0) return qid;
          envelope = { ...envelope, rcpts: rest };
        }
      }
      // Run as root: checked again right before the write (the owner may have swapped one since).
      for (const dir of [this.dir, this.tmpDir, this.msgDir]) checkFolderToWrite(dir, this.#owner);
      const head = [encodeEnvelopeLine(envelope), ...prefix];
      if (spillFile === null) {
        writtenPath = await writeFreshFileDurably([...head, ...tail], tmpPath, this.spares);
      } else {
        writtenPath = tmpPath;
        await writeWithSpill(tmpPath, head, spillFile, tail);
      }
      giveToSync(writtenPath, this.#owner);
      // link, not rename: a name already taken fails (451) instead of replacing a message.
      const queuedName = request.heldName ?? qid;
      const queuedPath = `${this.msgDir}/${queuedName}`;
      this.#announcing.add(queuedName);
      Deno.linkSync(writtenPath, queuedPath);
      const linked = writtenPath;
      writtenPath = null;
      // A leftover in tmp/ is swept at the next start; one in spare/ is a spare still linked.
      try {
        Deno.removeSync(linked);
      } catch { /* see above */ }
      try {
        await syncDir(this.msgDir);
      } catch (error) {
        // Not known to be on disk, and the client, told 451, sends it again: none may stay queued.
        try {
          Deno.removeSync(queuedPath);
        } catch { /* a duplicate at worst */ }
        throw error;
      }
    } catch (error) {
      this.#announcing.delete(request.heldName ?? qid);
      if (writtenPath !== null) await discardFresh(writtenPath, this.spares);
      throw error;
    } finally {
      if (!(request.message instanceof Uint8Array)) await request.message.discard();
    }
    this.#announcing.delete(request.heldName ?? qid); // listed from now on, and told at once
    request.onAccepted?.(qid);
    if (request.heldName === undefined) { for (const listener of this.#listeners) listener(qid); }
    return qid;
  }

  /**
   * Lets a held message go: renamed from `heldName` to its queue id `qid`
   * (one atomic step) and, once the rename is durable, handed to delivery.
   * Not before: a delivery done before a power cut undid the rename would be
   * done again once the held message is released at the next start. (If the
   * fsync fails, the message is under its queue id, and the runner's rescan
   * finds it.)
   */
  async release(heldName: string, qid: string): Promise<void> {
    this.#announcing.add(qid);
    try {
      Deno.renameSync(`${this.msgDir}/${heldName}`, `${this.msgDir}/${qid}`);
      await syncDir(this.msgDir);
    } finally {
      this.#announcing.delete(qid);
    }
    for (const listener of this.#listeners) listener(qid);
  }

  /** Deletes a held message that must not go (what it tells was not committed). */
  async dropHeld(heldName: string): Promise<void> {
    await Deno.remove(`${this.msgDir}/${heldName}`).catch((error: unknown) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }

  /** Names of the held messages (left by a crash between holding and releasing them). */
  async listHeld(): Promise<string[]> {
    const names: string[] = [];
    for await (const entry of Deno.readDir(this.msgDir)) {
      if (entry.isFile && entry.name.startsWith(HELD_PREFIX)) names.push(entry.name);
    }
    return names.sort();
  }

  /** The envelope of a held message. */
  async readHeld(heldName: string): Promise<Envelope> {
    return decodeQueueFile(await Deno.readFile(`${this.msgDir}/${heldName}`)).envelope;
  }

  /**
   * Queue ids of every accepted message still in the queue, oldest first; not those whose
   * accept or release in this process is still under way (see `#announcing`).
   */
  async list(): Promise<string[]> {
    const ids: string[] = [];
    for await (const entry of Deno.readDir(this.msgDir)) {
      if (entry.isFile && !entry.name.startsWith(".")) ids.push(entry.name);
    }
    return ids.filter((qid) => !this.#announcing.has(qid)).sort();
  }

  /** Whether `qid` is in the queue now. */
  async exists(qid: string): Promise<boolean> {
    try {
      await Deno.lstat(join(this.msgDir, qid));
      return true;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return false;
      throw error;
    }
  }

  /**
   * Reads a queued message; throws Deno.errors.NotFound if it is gone and
   * QueueFileError if the file is damaged.
   */
  async read(qid: string, options: { sizeBytes?: number } = {}): Promise<QueuedMessage> {
    const path = `${this.msgDir}/${qid}`;
    // A common message was written moments ago and is in the page cache: read it
    // inline, as intake writes it, for a hand-over to the I/O pool costs more than
    // the read (README, Performance). A big one goes through the pool, so the
    // event loop never waits long on the disk.
    const bytes = (options.sizeBytes ?? this.sizeOf(qid)) <= INLINE_READ_MAX_BYTES
      ? Deno.readFileSync(path)
      : await readWholeFile(path);
    const { envelope, messageOffset } = decodeQueueFile(bytes);
    return { envelope, bytes, messageOffset };
  }

  /**
   * Opens and locks `qid`'s queue file for a delivery attempt (see
   * attempt_lock.ts); null when the message is gone.
   */
  holdForAttempt(qid: string): Promise<HeldQueueFile | null> {
    return holdForAttempt(`${this.msgDir}/${qid}`);
  }

  /** Reads a message held for its attempt through the open file, as `read` reads by name. */
  async readForAttempt(held: HeldQueueFile): Promise<QueuedMessage> {
    const bytes = held.sizeBytes <= INLINE_READ_MAX_BYTES
      ? readOpenFileSync(held.file, held.sizeBytes)
      : await readOpenFile(held.file, held.sizeBytes);
    const { envelope, messageOffset } = decodeQueueFile(bytes);
    return { envelope, bytes, messageOffset };
  }

  /**
   * The envelope of `qid` from the head of its file, the message unread;
   * null when it is gone, damaged, or its envelope line is longer than that.
   */
  readEnvelopeHead(qid: string): Envelope | null {
    let file: Deno.FsFile;
    try {
      file = Deno.openSync(`${this.msgDir}/${qid}`);
    } catch {
      return null;
    }
    try {
      const head = new Uint8Array(ENVELOPE_HEAD_BYTES);
      return decodeQueueFile(head.subarray(0, file.readSync(head) ?? 0)).envelope;
    } catch {
      return null;
    } finally {
      file.close();
    }
  }

  /** The size of a queued message's file; throws Deno.errors.NotFound if it is gone. */
  sizeOf(qid: string): number {
    return Deno.lstatSync(`${this.msgDir}/${qid}`).size;
  }

  /**
   * Removes a message whose every recipient is finished (its file becomes a
   * spare). Resolves false when it was gone already (`queue delete`).
   */
  async remove(qid: string): Promise<boolean> {
    const path = `${this.msgDir}/${qid}`;
    try {
      await (this.spares ? this.spares.recycle(path) : Deno.remove(path));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return false;
      throw error;
    }
    this.#log.debug("spool.removed", { qid });
    return true;
  }
}

async function writeWithSpill(
  path: string,
  head: Uint8Array[],
  spillFile: string,
  tail: Uint8Array[],
): Promise<void> {
  const out = await Deno.open(path, { write: true, createNew: true, mode: 0o600 });
  try {
    const write = async (chunk: Uint8Array) => {
      let offset = 0;
      while (offset < chunk.length) offset += await out.write(chunk.subarray(offset));
    };
    for (const chunk of head) await write(chunk);
    const input = await Deno.open(spillFile, { read: true });
    try {
      const buffer = new Uint8Array(COPY_CHUNK_BYTES);
      while (true) {
        const n = await input.read(buffer);
        if (n === null) break;
        await write(buffer.subarray(0, n));
      }
    } finally {
      input.close();
    }
    for (const chunk of tail) await write(chunk);
    await flush(out, "data");
  } finally {
    out.close();
  }
}
