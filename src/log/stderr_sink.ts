/**
 * The default log sink: lines are gathered and written to stderr at most
 * BATCH_WINDOW_MS after the first of them, in one write, not one write per
 * line (nor one per event-loop turn: a lone client's message would cost a
 * timer, a write and a wake-up of the log reader each).
 *
 * Errors are written at once (with everything queued before them), and
 * whatever is queued is written when the process exits or is about to die
 * of an uncaught error, so nothing is lost on the way out.
 *
 * A log reader that stops reading (a paused pager, a stuck `| logger`, a
 * hung log shipper) must not stop the mail: a blocking write to its full
 * pipe would stop the whole event loop, every session and delivery and even
 * SIGTERM with it. So batches are written with Deno's asynchronous write
 * (done on another thread), one at a time; what the reader has not taken
 * yet waits here, up to MAX_QUEUED_BYTES, lines past that are dropped and
 * counted, and one line saying how many follows once the reader catches up.
 */

const encoder = new TextEncoder();
/** A batch this large is written without waiting for the window to close. */
const MAX_BATCH_BYTES = 64 * 1024;
/** How long a line may wait for others to share its write. */
const BATCH_WINDOW_MS = 20;
/** What a reader that does not read may hold in memory here, at most. */
const MAX_QUEUED_BYTES = 1024 * 1024;
/** On the way out, how long `drainStderrLog` waits for a reader that takes nothing. */
const EXIT_PATIENCE_MS = 2_000;

let batch: string[] = [];
let batchBytes = 0;
let timer: ReturnType<typeof setTimeout> | null = null;
/** The write under way (there is at most one, so lines stay in order) and its size. */
let writing: Promise<void> | null = null;
let writingBytes = 0;
/** Lines dropped since the reader last caught up, and how to say so in the log's format. */
let droppedLines = 0;
let droppedNote: ((count: number) => string) | null = null;

/** Takes the queued lines (and the note of a gap, once the queue is empty) as bytes. */
function takeBatch(): Uint8Array | null {
  if (batch.length === 0) {
    if (droppedLines === 0 || droppedNote === null) return null;
    batch.push(droppedNote(droppedLines) + "\n");
    droppedLines = 0;
  }
  const bytes = encoder.encode(batch.join(""));
  batch = [];
  batchBytes = 0;
  return bytes;
}

/** How long a write to a full non-blocking stderr waits before it is tried again. */
const FULL_PIPE_RETRY_MS = 10;

/**
 * Writes `bytes` to stderr. A non-blocking pipe (its flag shared with
 * whoever else holds it: a supervisor, a parent) answers EAGAIN when full,
 * a signal may interrupt a write: both are tried again, the lines kept, as a
 * blocking pipe would have waited for its reader.
 */
async function writeAll(bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += await Deno.stderr.write(bytes.subarray(offset));
    } catch (error) {
      if (error instanceof Deno.errors.Interrupted) continue;
      if (!(error instanceof Deno.errors.WouldBlock)) return; // stderr closed: nowhere left to report it
      await new Promise((resolve) => setTimeout(resolve, FULL_PIPE_RETRY_MS));
    }
  }
}

/**
 * The queued lines to write now, the batch window ended; null when a write
 * is under way (its end takes them) or nothing is queued.
 */
function takeBatchNow(): Uint8Array | null {
  if (timer !== null) {
    clearTimeout(timer);
    timer = null;
  }
  return writing === null ? takeBatch() : null;
}

/** Starts writing the queued lines unless a write is under way (its end starts the next). */
export function flushStderrLog(): void {
  const bytes = takeBatchNow();
  if (bytes === null) return;
  writingBytes = bytes.length;
  writing = writeAll(bytes).then(() => {
    writing = null;
    writingBytes = 0;
    // The lines queued meanwhile have waited a whole write: no window for them.
    flushStderrLog();
  });
}

/**
 * Writes what is queued synchronously: an error line, and the last moments
 * of a process (no event-loop turn is left to finish an asynchronous
 * write). Behind a write still under way nothing can be written without
 * disordering the log; then the rest is given up (`drainStderrLog`, awaited
 * before a deliberate exit, waits for it).
 */
function flushNow(): void {
  const bytes = takeBatchNow();
  if (bytes === null) return;
  let offset = 0;
  try {
    while (offset < bytes.length) offset += Deno.stderr.writeSync(bytes.subarray(offset));
  } catch { /* stderr closed: nowhere left to report it */ }
}

/**
 * Waits until every queued line is written, giving up on a reader that has
 * taken nothing for EXIT_PATIENCE_MS. For the end of `main`, before
 * `Deno.exit`.
 */
export async function drainStderrLog(): Promise<void> {
  flushStderrLog();
  while (writing !== null) {
    const current = writing;
    let patience: ReturnType<typeof setTimeout> | undefined;
    const isStuck = await Promise.race([
      current.then(() => false),
      new Promise<boolean>((resolve) =>
        patience = setTimeout(() => resolve(true), EXIT_PATIENCE_MS)
      ),
    ]);
    clearTimeout(patience);
    if (isStuck) return;
  }
}

let isExitHooked = false;

/** How `writeStderrLine` treats a line. */
export interface StderrLineOptions {
  /** Write it (and all before it) now, not at the end of the batch window. */
  isUrgent?: boolean;
  /** The line that says `count` lines were dropped, in the log's format. */
  droppedNote?: (count: number) => string;
}

/** Queues `line` for stderr. */
export function writeStderrLine(line: string, options: StderrLineOptions = {}): void {
  if (!isExitHooked) {
    isExitHooked = true;
    globalThis.addEventListener("unload", flushNow);
    // An uncaught error ends the process without "unload": the lines leading
    // up to a crash are the ones most worth having. (Listening changes nothing else.)
    globalThis.addEventListener("error", flushNow);
    globalThis.addEventListener("unhandledrejection", flushNow);
  }
  if (options.droppedNote) droppedNote = options.droppedNote;
  if (droppedLines > 0 || writingBytes + batchBytes + line.length + 1 > MAX_QUEUED_BYTES) {
    // The reader is a megabyte behind: the line is only counted (and so is every
    // one after it until the queue is written, so that one note marks one gap).
    droppedLines++;
    return;
  }
  batch.push(line + "\n");
  batchBytes += line.length + 1;
  if (options.isUrgent && writing === null) {
    // An error goes out before this call returns (the process may be about to die
    // of it); behind a write under way it waits its turn like any line.
    flushNow();
    return;
  }
  if (options.isUrgent || batchBytes >= MAX_BATCH_BYTES) {
    flushStderrLog();
    return;
  }
  if (timer === null && writing === null) {
    const pending = setTimeout(flushStderrLog, BATCH_WINDOW_MS);
    timer = pending;
    Deno.unrefTimer(pending); // a pending log line never keeps the process alive
  }
}
