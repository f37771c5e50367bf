/**
 * `pillarbox queue list [--json] | show QID | retry [QID|--all] | delete QID`
 * (`retry` alone is `retry --all`):
 * looks at and acts on the queue on disk, whether or not a server runs.
 *
 * `retry` leaves a wake request: a running server attempts the message
 * within a second, a stopped one when it starts. It never writes the state
 * file, which belongs to the server: rewriting it while the server saves a
 * delivery could set a delivered recipient back to pending.
 * `delete` removes the message and its state without a bounce; during a
 * delivery attempt of it (the server holds its file locked) it says so, as
 * that attempt may still reach recipients (see spool/attempt_lock.ts).
 * Exit status: 0 done, 1 no such message, 2 usage or a --spool-dir that does
 * not exist (it is never made here).
 */
import { join } from "node:path";
import type { Config } from "../config/mod.ts";
import { type QueueState, QueueStateStore } from "../delivery/mod.ts";
import { Logger } from "../log/mod.ts";
import { headerSection } from "../mail/mod.ts";
import { openSpoolDir, requireSpoolDir } from "./spool_dir.ts";
import { expandedLines, messageDsnLine, recipientDsnLine } from "./queue_dsn_lines.ts";
import {
  decodeQueueFile,
  deleteQueueFile,
  type Envelope,
  LinkedFolderError,
  ownerToGive,
  requestWake,
  Spool,
  WAKE_ALL,
} from "../spool/mod.ts";

/** Output and input for the command. */
export interface QueueCommandOptions {
  config: Config;
  out: (line: string) => void;
  err: (line: string) => void;
}

/** One queued message as `list --json` shows it. */
export interface QueueEntry {
  qid: string;
  from: string;
  source: string;
  arrivalMs: number;
  ageMs: number;
  sizeBytes: number;
  nextAttemptMs: number;
  isDelayNoticeSent: boolean;
  rcpts: ({ address: string } & QueueState["rcpts"][string])[];
}

const USAGE = [
  "Usage:",
  "  pillarbox queue list [--json]",
  "  pillarbox queue show QID",
  "  pillarbox queue retry [QID|--all]",
  "  pillarbox queue delete QID",
];

class QueueCommandError extends Error {
  constructor(message: string, readonly status = 1) {
    super(message);
  }
}

interface Context {
  spool: Spool;
  states: QueueStateStore;
  options: QueueCommandOptions;
}

/** Runs `pillarbox queue ...`; `words` start after "queue". */
export async function runQueueCommand(
  words: string[],
  options: QueueCommandOptions,
): Promise<number> {
  const [name = "", ...args] = words;
  await requireSpoolDir(options.config.spoolDir);
  const spool = await openSpoolDir(options.config.spoolDir, async () =>
    await Spool.open({
      spoolDir: options.config.spoolDir,
      log: new Logger({ level: "warn", format: options.config.logFormat }),
      isSweeping: false,
      // Run as root on the service user's spool before its server's first start: the queue
      // folders this makes are that user's, or that server could not start (README, Users).
      owner: await ownerToGive(options.config.spoolDir),
    }));
  const states = new QueueStateStore({ spoolDir: options.config.spoolDir });
  const context: Context = { spool, states, options };
  try {
    if (name === "list" && args.length === 0) return await list(context, false);
    if (name === "list" && args.length === 1 && args[0] === "--json") {
      return await list(context, true);
    }
    if (name === "show" && args.length === 1) return await show(context, args[0] as string);
    // `queue retry [QID|--all]`: without an argument, every message (as postqueue -f).
    if (name === "retry" && args.length <= 1) return await retry(context, args[0] ?? "--all");
    if (name === "delete" && args.length === 1) return await remove(context, args[0] as string);
  } catch (error) {
    if (!(error instanceof QueueCommandError)) throw error;
    options.err(`pillarbox queue: ${error.message}`);
    return error.status;
  }
  options.err(name === "" ? "Missing queue subcommand" : `Bad queue command: "${words.join(" ")}"`);
  for (const line of USAGE) options.err(line);
  return 2;
}

/** C0 controls but tab and LF, DEL and C1: what a terminal may obey rather than print. */
const TERMINAL_CONTROL = /[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f]/g;

/**
 * Text for the admin's terminal: addresses (RFC 6531 lets a quoted local
 * part hold any non-ASCII character), remote replies and headers all come
 * from outside, so no control character of theirs gets through. (`--json`
 * is data for scripts and keeps the exact values.)
 */
function printable(text: string): string {
  return text.replace(TERMINAL_CONTROL, "?");
}

function checkQid(qid: string): string {
  if (!/^[0-9a-z]{1,64}$/.test(qid)) throw new QueueCommandError(`Not a queue id: "${qid}"`, 2);
  return qid;
}

/**
 * A queued message's entry; null when it is gone, or when its file cannot
 * be read, or read as a queue file. `onUnusable` hears of a file this
 * process may not read (another user's: see README, Users and
 * permissions), and of a damaged one only when the file still has its name:
 * a file renamed away meanwhile was finished and may already hold the next
 * message, while one still in `msg/` is damaged (the server sets it aside in
 * failed/ at its next attempt).
 */
function entryOf(
  context: Context,
  qid: string,
  onUnusable?: (problem: "damaged queue file" | "unreadable queue file", reason: string) => void,
): QueueEntry | null {
  const path = join(context.spool.msgDir, qid);
  let bytes: Uint8Array;
  let sizeBytes: number;
  let ino: number | null;
  try {
    ({ bytes, sizeBytes, ino } = readHead(path));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    if (!(error instanceof Deno.errors.PermissionDenied)) throw error;
    onUnusable?.("unreadable queue file", error.message);
    return null;
  }
  let envelope: Envelope;
  try {
    envelope = decodeQueueFile(bytes).envelope;
  } catch (error) {
    if (onUnusable && ino !== null && inodeOf(path) === ino) {
      onUnusable("damaged queue file", error instanceof Error ? error.message : String(error));
    }
    return null;
  }
  // The server may have finished this message and written another one over
  // its file meanwhile (finished queue files are reused): that is not ours.
  if (envelope.qid !== qid) return null;
  const state = context.states.load(qid, envelope.rcpts);
  return {
    qid,
    from: envelope.from,
    source: envelope.source,
    arrivalMs: envelope.arrivalMs,
    ageMs: Date.now() - envelope.arrivalMs,
    sizeBytes,
    nextAttemptMs: state.nextAttemptMs,
    isDelayNoticeSent: state.isDelayNoticeSent === true,
    rcpts: envelope.rcpts.map((address) => ({ address, ...state.rcpts[address]! })),
  };
}

/** The first line of a queue file (the envelope), read without loading the message. */
/**
 * The first line of a queue file (its envelope) and the file's size. Read
 * with plain blocking calls: this is a command, with no event loop to keep
 * free, and each pooled call cost more than the read (`queue list` of 20,000
 * messages took 5 s).
 */
function readHead(path: string): { bytes: Uint8Array; sizeBytes: number; ino: number | null } {
  const file = Deno.openSync(path, { read: true });
  try {
    const { size: sizeBytes, ino } = file.statSync();
    const parts: Uint8Array[] = [];
    const buffer = new Uint8Array(64 * 1024);
    while (true) {
      const n = file.readSync(buffer);
      if (n === null) break;
      parts.push(buffer.slice(0, n));
      if (buffer.subarray(0, n).includes(10)) break;
    }
    const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      bytes.set(part, offset);
      offset += part.length;
    }
    return { bytes, sizeBytes, ino };
  } finally {
    file.close();
  }
}

/** The inode `path` names now, or null when it names none. */
function inodeOf(path: string): number | null {
  try {
    return Deno.lstatSync(path).ino;
  } catch {
    return null;
  }
}

/** "3d4h", "12m", "40s". */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const units: [number, string][] = [[86400, "d"], [3600, "h"], [60, "m"], [1, "s"]];
  const parts: string[] = [];
  let rest = seconds;
  for (const [size, unit] of units) {
    if (rest >= size && parts.length < 2) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.length === 0 ? "0s" : parts.join("");
}

async function list(context: Context, isJson: boolean): Promise<number> {
  const entries: QueueEntry[] = [];
  for (const qid of await context.spool.list()) {
    const entry = entryOf(context, qid, (problem, reason) =>
      context.options.err(
        printable(`pillarbox queue: ${qid}: ${problem}, not listed: ${reason}`),
      ));
    if (entry) entries.push(entry);
  }
  if (isJson) {
    context.options.out(JSON.stringify(entries, null, 2));
    return 0;
  }
  const out = (line: string) => context.options.out(printable(line));
  for (const entry of entries) {
    out(`${entry.qid}  ${formatAge(entry.ageMs)}  ${entry.sizeBytes}B  <${entry.from}>`);
    for (const rcpt of entry.rcpts) {
      const reason = rcpt.lastReason ? `  ${rcpt.lastStatus ?? ""} ${rcpt.lastReason}` : "";
      out(`    ${rcpt.address}  ${rcpt.status}  attempts=${rcpt.attempts}${reason}`);
    }
  }
  out(`${entries.length} message${entries.length === 1 ? "" : "s"} in the queue`);
  return 0;
}

async function show(context: Context, qid: string): Promise<number> {
  checkQid(qid);
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(join(context.spool.msgDir, qid));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new QueueCommandError(`No message ${qid}`);
    if (error instanceof Deno.errors.PermissionDenied) {
      throw new QueueCommandError(printable(`${qid}: unreadable queue file: ${error.message}`));
    }
    throw error;
  }
  let decoded: ReturnType<typeof decodeQueueFile>;
  try {
    decoded = decodeQueueFile(bytes);
  } catch (error) {
    // Damaged, or delivered meanwhile and its file reused for a message of a mailbox.
    const reason = error instanceof Error ? error.message : String(error);
    throw new QueueCommandError(`No readable message ${qid}: ${reason}`);
  }
  const { envelope, messageOffset } = decoded;
  // Delivered meanwhile, and its file already reused for another message.
  if (envelope.qid !== qid) throw new QueueCommandError(`No message ${qid}`);
  const entry = entryOf(context, qid);
  const out = (line: string) => context.options.out(printable(line));
  out(`Queue-ID: ${qid}`);
  out(`Sender: <${envelope.from}>`);
  out(`Source: ${envelope.source}`);
  out(
    `Arrival: ${new Date(envelope.arrivalMs).toISOString()} (${
      formatAge(Date.now() - envelope.arrivalMs)
    } ago)`,
  );
  out(`Size: ${bytes.length - messageOffset} bytes`);
  const dsnLine = messageDsnLine(envelope);
  if (dsnLine !== null) out(dsnLine);
  if (entry && entry.nextAttemptMs > 0) {
    out(`Next-Attempt: ${new Date(entry.nextAttemptMs).toISOString()}`);
  }
  for (const rcpt of entry?.rcpts ?? []) {
    const reason = rcpt.lastReason ? ` ${rcpt.lastStatus ?? ""} ${rcpt.lastReason}` : "";
    out(`Recipient: <${rcpt.address}> ${rcpt.status} attempts=${rcpt.attempts}${reason}`);
    const rcptDsnLine = recipientDsnLine(envelope, rcpt.address);
    if (rcptDsnLine !== null) out(rcptDsnLine);
  }
  for (const line of expandedLines(envelope)) out(line);
  out("");
  const header = headerSection(bytes.subarray(messageOffset)).replace(/\r?\n$/, "");
  out(header.replace(/\r\n/g, "\n"));
  return 0;
}

async function retry(context: Context, target: string): Promise<number> {
  const spoolDir = context.options.config.spoolDir;
  let count = 1;
  if (target === "--all") {
    // One request for the whole queue, however long (see spool/wake.ts).
    count = (await context.spool.list()).length;
    await wake(spoolDir, WAKE_ALL);
  } else {
    const qid = checkQid(target);
    const entry = entryOf(context, qid, (problem, reason) => {
      // Still in msg/ under its name: there is a message, and it is damaged (set aside in failed/
      // at the server's next attempt) or unreadable, which "No message" would hide.
      throw new QueueCommandError(printable(`${qid}: ${problem}, not retried: ${reason}`));
    });
    if (!entry) throw new QueueCommandError(`No message ${qid}`);
    await wake(spoolDir, qid);
  }
  context.options.out(`${count} message${count === 1 ? "" : "s"} due for delivery now`);
  return 0;
}

/** `requestWake`; a wake/ folder root must not write through is the administrator's to see. */
async function wake(spoolDir: string, qid: string): Promise<void> {
  try {
    await requestWake(spoolDir, qid);
  } catch (error) {
    if (error instanceof LinkedFolderError) throw new QueueCommandError(printable(error.message));
    throw error;
  }
}

async function remove(context: Context, qid: string): Promise<number> {
  checkQid(qid);
  const deletion = await deleteQueueFile(join(context.spool.msgDir, qid));
  if (deletion === "missing") throw new QueueCommandError(`No message ${qid}`);
  await context.states.remove(qid);
  if (deletion === "deleted-in-flight") {
    // Too late to stop that attempt: a remote server may have the message already.
    context.options.out(
      `${qid} deleted, during a delivery attempt: recipients that attempt reaches keep their ` +
        "copy; no notice goes to the sender",
    );
    return 0;
  }
  context.options.out(`${qid} deleted`);
  return 0;
}
