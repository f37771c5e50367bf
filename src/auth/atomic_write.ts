/**
 * Atomic file replacement: write a temporary sibling, fsync it, rename it over
 * the target, fsync the directory. A reader sees the old file or the new one,
 * never half of either, and the new one survives a crash once this returns.
 *
 * `Deno.open(dir)` followed by `.sync()` fsyncs a directory on Deno 2.9.6
 * (Linux and macOS); on Windows directories cannot be opened this way and the
 * step is skipped.
 */

import { randomBytes } from "node:crypto";
import { dirname } from "node:path";

/** Fsyncs a directory so a rename inside it is durable. */
export async function syncDirectory(dir: string): Promise<void> {
  if (Deno.build.os === "windows") return;
  const handle = await Deno.open(dir, { read: true });
  try {
    await handle.sync();
  } finally {
    handle.close();
  }
}

/**
 * Replaces `path` with `data` atomically and durably.
 * The file is created with `mode` (default 0600: account files hold secrets).
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array,
  options: { mode?: number } = {},
): Promise<void> {
  const mode = options.mode ?? 0o600;
  const tmpPath = `${path}.tmp-${randomBytes(6).toString("hex")}`;
  const file = await Deno.open(tmpPath, { write: true, createNew: true, mode });
  try {
    try {
      let written = 0;
      while (written < data.length) written += await file.write(data.subarray(written));
      if (Deno.build.os !== "windows") await Deno.chmod(tmpPath, mode);
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(tmpPath, path);
  } catch (error) {
    await Deno.remove(tmpPath).catch(() => {});
    throw error;
  }
  await syncDirectory(dirname(path) || ".");
}
