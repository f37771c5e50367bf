/**
 * One scan of a Maildir: readdir of `new/` and `cur/` (no message is
 * opened; a name without `,S=` costs one stat), keyed by base name.
 */
import { join } from "node:path";
import { pathExists } from "../spool/mod.ts";
import { parseMessageName } from "./message_name.ts";

/** A message file as found on disk. */
export interface FoundFile {
  base: string;
  /** The file's name inside `new/` or `cur/`. */
  fileName: string;
  isNew: boolean;
  letters: string;
  sizeBytes: number | null;
  /**
   * `,W=`, the size served with CRLF line ends, and whether the name is one
   * of ours (see line_ends.ts); absent for a listing entry that stands in
   * for a file a listing missed (scan_settle.ts).
   */
  wireBytes?: number | null;
  isOwnName?: boolean;
  internalDateMs: number | null;
}

/**
 * Lists a Maildir's messages by base name (a base in both folders counts
 * once, from `cur/`); with `isNewOnly`, only those in `new/`. `onUnreachable` hears the paths of files whose names
 * are not UTF-8: Deno reads such a name with U+FFFD for the bad bytes, and no
 * file can be opened under that, so they are not listed as messages.
 */
export async function scanMaildir(
  dir: string,
  onUnreachable: (path: string) => void = () => {},
  options: { isNewOnly?: boolean } = {},
): Promise<Map<string, FoundFile>> {
  const [newNames, curNames] = await Promise.all([
    listNames(join(dir, "new"), onUnreachable),
    options.isNewOnly ? [] : listNames(join(dir, "cur"), onUnreachable),
  ]);
  const found = new Map<string, FoundFile>();
  const add = (fileName: string, isNew: boolean) => {
    const parsed = parseMessageName(fileName);
    if (parsed === null) return;
    found.set(parsed.base, {
      base: parsed.base,
      fileName,
      isNew,
      // maildir(5) gives new/ files no info, but Dovecot changes the flags of a message it
      // has not moved to cur/ yet by a rename within new/ (`doveadm flags add` does): they
      // are the message's flags all the same.
      letters: parsed.letters,
      sizeBytes: parsed.sizeBytes,
      wireBytes: parsed.wireBytes,
      isOwnName: parsed.isOwnName,
      internalDateMs: parsed.internalDateMs,
    });
  };
  for (const name of newNames) add(name, true);
  for (const name of curNames) add(name, false);
  return found;
}

/**
 * The names of the files (and symlinks) in a directory (Deno.readDir: about
 * twice as fast as node's readdir on 100k). A directory or FIFO another
 * program left there is no message: reading it fails or blocks for ever.
 */
async function listNames(dir: string, onUnreachable: (path: string) => void): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile && !entry.isSymlink) continue;
    // U+FFFD may also be spelled out in a UTF-8 name: only a name that is not there is lost.
    if (entry.name.includes("\uFFFD") && !(await pathExists(join(dir, entry.name)))) {
      onUnreachable(join(dir, entry.name));
      continue;
    }
    names.push(entry.name);
  }
  return names;
}

/**
 * node:fs's stat, for its nanosecond times (Deno's are milliseconds), loaded
 * when a mailbox is first opened: an idle server does not carry it (~5 MB).
 */
let nodeFs: Promise<typeof import("node:fs/promises")> | null = null;
const loadFs = () => nodeFs ??= import("node:fs/promises");

/**
 * Size and time for a file whose name does not carry them. A synchronous
 * stat: every message of a Maildir copied in from Dovecot needs one for its
 * date, and 100,000 awaited one by one took 6 s at its first listing (0.5 s so).
 */
export function statFile(path: string): { sizeBytes: number; mtimeMs: number } | null {
  try {
    const info = Deno.statSync(path);
    return { sizeBytes: info.size, mtimeMs: info.mtime?.getTime() ?? 0 };
  } catch {
    return null;
  }
}

/** The modification times of a Maildir's `new/` and `cur/`. */
export interface DirStamp {
  /** Both, as one comparable string. */
  key: string;
  /** `cur/`'s alone, comparable the same way. */
  curKey: string;
  /** In milliseconds, to tell a recent change. */
  newMs: number;
  curMs: number;
}

/** The stamp of `dir`'s `new/` and `cur/`; null when the Maildir is gone (removed on disk). */
export async function dirStamp(dir: string): Promise<DirStamp | null> {
  let newInfo, curInfo;
  const { stat } = await loadFs();
  try {
    [newInfo, curInfo] = await Promise.all([
      stat(join(dir, "new"), { bigint: true }),
      stat(join(dir, "cur"), { bigint: true }),
    ]);
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
  return {
    key: `${newInfo.mtimeNs}/${curInfo.mtimeNs}`,
    curKey: String(curInfo.mtimeNs),
    newMs: Number(newInfo.mtimeNs / 1_000_000n),
    curMs: Number(curInfo.mtimeNs / 1_000_000n),
  };
}

/** node:fs errors carry `code`, Deno's are `Deno.errors.NotFound`. */
function isNotFound(error: unknown): boolean {
  return error instanceof Deno.errors.NotFound ||
    (error as { code?: unknown } | null)?.code === "ENOENT";
}
