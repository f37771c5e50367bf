/**
 * The default log sink: lines are gathered and written to stderr at most
 * BATCH_WINDOW_MS after the first of them, in one write, not one write per
 * line (nor one per event-loop turn: a lone client's message would cost a
 * timer, a write and a wake-up of the log reader each).
 *
 * Errors are written at once (with everything queued before them), and
 * whatever is queued is written when the process exits or is about to die
 * of an uncaught error, so nothing is lost on the way out.
 */

const encoder = new TextEncoder();
/** A batch this large is written without waiting for the window to close. */
const MAX_BATCH_BYTES = 64 * 1024;
/** How long a line may wait for others to share its write. */
const BATCH_WINDOW_MS = 20;

let batch: string[] = [];
let batchBytes = 0;
let timer: ReturnType<typeof setTimeout> | null = null;

/** Writes every queued line now. */
export function flushStderrLog(): void {
  if (timer !== null) {
    clearTimeout(timer);
    timer = null;
  }
  if (batch.length === 0) return;
  const bytes = encoder.encode(batch.join(""));
  batch = [];
  batchBytes = 0;
  let offset = 0;
  try {
    while (offset < bytes.length) offset += Deno.stderr.writeSync(bytes.subarray(offset));
  } catch { /* stderr closed: nowhere left to report it */ }
}

let isExitHooked = false;

/** Queues `line` for stderr; `isUrgent` writes it (and all before it) at once. */
export function writeStderrLine(line: string, isUrgent = false): void {
  if (!isExitHooked) {
    isExitHooked = true;
    globalThis.addEventListener("unload", flushStderrLog);
    // An uncaught error ends the process without "unload": the lines leading
    // up to a crash are the ones most worth having. (Listening changes nothing else.)
    globalThis.addEventListener("error", flushStderrLog);
    globalThis.addEventListener("unhandledrejection", flushStderrLog);
  }
  batch.push(line + "\n");
  batchBytes += line.length + 1;
  if (isUrgent || batchBytes >= MAX_BATCH_BYTES) {
    flushStderrLog();
    return;
  }
  if (timer === null) {
    const pending = setTimeout(flushStderrLog, BATCH_WINDOW_MS);
    timer = pending;
    Deno.unrefTimer(pending); // a pending log line never keeps the process alive
  }
}
