/**
 * An error as the text of one log field: its stack when it has one.
 *
 * Formatting a stack is not free of system calls in Deno (2.9): the first
 * time a stack runs through a module, Deno reads that module's source map
 * from its emit cache, and when that file cannot be opened (every file
 * descriptor in use) its fallback panics and the whole process ends (the
 * `stacker` crate asserts that pthread_getattr_np, which opens
 * /proc/self/maps, cannot fail). Out of descriptors is exactly when the
 * server logs internal errors with stacks (a RETR or a delivery whose file
 * cannot be opened), so the server keeps one descriptor in reserve
 * (`holdStackReserve`) and lets go of it while a stack is formatted.
 */

/** The descriptor kept free for stack formatting (null until held, or while it could not be had back). */
let reserve: Deno.FsFile | null = null;
let isHeld = false;

/** Keeps one descriptor in reserve for `errorText` from now on (`serve` calls it at start). */
export function holdStackReserve(): void {
  isHeld = true;
  reserve ??= openReserve();
}

/** Lets go of the reserve (a stopped server, tests). */
export function releaseStackReserve(): void {
  isHeld = false;
  reserve?.close();
  reserve = null;
}

/** `error`'s stack (its message if it has none), or the thrown value as a string. */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // Our code runs on this one thread, so only a runtime thread (an async file call in
  // flight) could take the freed descriptor before the stack below is formatted.
  reserve?.close();
  reserve = null;
  try {
    return error.stack ?? error.message;
  } finally {
    if (isHeld) reserve = openReserve();
  }
}

function openReserve(): Deno.FsFile | null {
  try {
    return Deno.openSync("/dev/null", { read: true });
  } catch {
    // Out of descriptors (or no /dev/null): taken again at the next error.
    return null;
  }
}
