/**
 * Claiming a pickup file before reading it: it is renamed to a private
 * dotfile name (`.claimed-<random>.<name>`), which the scanner and producers
 * never touch, so removing it after the queue took it can only ever remove
 * what was read. A producer that renames a new message into the old name
 * meanwhile just makes a new file there for the next scan.
 *
 * A claim that cannot go on (the spool refused the message for a passing
 * reason, or the file was replaced between the look and the claim) is
 * released: renamed back to a visible name without replacing anything. After
 * a crash, claims left behind are released at the next start (a message
 * queued held for a claim still there is dropped first: see held_pickups.ts).
 */
import { join } from "node:path";
import { randomHex } from "../log/mod.ts";

const CLAIM_PREFIX = ".claimed-";
/** Longest file name most file systems take. */
const MAX_NAME_BYTES = 255;
const encoder = new TextEncoder();

/**
 * The random part of a claim's name (`.claimed-<random>.<name>`), which
 * names the claim uniquely; null for a name that is no claim.
 */
export function claimId(claimName: string): string | null {
  if (!claimName.startsWith(CLAIM_PREFIX)) return null;
  const rest = claimName.slice(CLAIM_PREFIX.length);
  const dot = rest.indexOf(".");
  const id = dot >= 0 ? rest.slice(0, dot) : rest;
  return /^[0-9a-f]+$/.test(id) ? id : null;
}

/** Renames `dir/name` to a private claim name; returns its path, or null if it is gone. */
export async function claimFile(dir: string, name: string): Promise<string | null> {
  const random = randomHex(6);
  let claimName = `${CLAIM_PREFIX}${random}.${name}`;
  if (encoder.encode(claimName).length > MAX_NAME_BYTES) claimName = `${CLAIM_PREFIX}${random}`;
  const claimed = join(dir, claimName);
  try {
    await Deno.rename(join(dir, name), claimed);
    return claimed;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

/**
 * Puts a claimed file back under `name` in `dir`, or under `name.1`,
 * `name.2`, ... when that is taken: a link never replaces a file. Another
 * user's file, which may not be linked, gets `name.<random>` instead.
 * Returns the name it got. When it fails, the file keeps its claim name
 * (and the new one too when that is not surely a second name of it).
 */
export async function releaseClaim(claimed: string, dir: string, name: string): Promise<string> {
  for (let n = 0;; n++) {
    const candidate = n === 0 ? name : `${name}.${n}`;
    try {
      await Deno.link(claimed, join(dir, candidate));
    } catch (error) {
      // Linux (fs.protected_hardlinks=1, Debian's default) lets nobody link another user's
      // file they may not also write: a web app's pickup file. (A folder the server may not
      // write fails the rename too.)
      if (error instanceof Deno.errors.PermissionDenied) {
        return await renameToUnusedName(claimed, dir, name);
      }
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      // Already a name of this very file (a release that died between its link and its
      // unlink): finish that release, or the message would come back twice (name, name.1).
      if (!await isSameFile(join(dir, candidate), claimed)) continue;
    }
    try {
      await Deno.remove(claimed);
    } catch (error) {
      // The claim is gone already (unlinked by someone else): the new name is its only one.
      if (error instanceof Deno.errors.NotFound) return candidate;
      // Two names would make the message come twice (this one, and the claim
      // released again later): take the new name back, keep the claim.
      unlinkIfSecondName(join(dir, candidate), claimed);
      throw error;
    }
    return candidate;
  }
}

/**
 * Releases a claim that may not be linked (another user's file) by a rename, which would replace a file of that name: so the name is one no
 * producer writes, `name.<random>`, and only while nothing has it.
 */
async function renameToUnusedName(claimed: string, dir: string, name: string): Promise<string> {
  while (true) {
    const random = randomHex(4);
    let candidate = `${name}.${random}`;
    if (encoder.encode(candidate).length > MAX_NAME_BYTES) candidate = `released-${random}`;
    try {
      await Deno.lstat(join(dir, candidate));
      continue; // taken (by chance): another
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    await Deno.rename(claimed, join(dir, candidate));
    return candidate;
  }
}

/** Whether `a` and `b` are names of one file (false when either is gone). */
async function isSameFile(a: string, b: string): Promise<boolean> {
  try {
    const [infoA, infoB] = [await Deno.lstat(a), await Deno.lstat(b)];
    return infoA.ino !== null && infoA.ino === infoB.ino && infoA.dev === infoB.dev;
  } catch {
    return false;
  }
}

/**
 * Unlinks `path` only while it is the same file as `other` and that file has
 * another name: a producer may have renamed a new message into `path`
 * meanwhile, and that one must stay. Checked and unlinked back to back on the
 * main thread, so nothing of ours runs in between; when in doubt, both names
 * stay (a duplicate, never a loss).
 */
function unlinkIfSecondName(path: string, other: string): void {
  try {
    const info = Deno.lstatSync(path);
    const otherInfo = Deno.lstatSync(other);
    if (info.ino === null || info.ino !== otherInfo.ino || info.dev !== otherInfo.dev) return;
    if ((info.nlink ?? 0) < 2) return;
    Deno.removeSync(path);
  } catch { /* gone, or cannot tell: leave it */ }
}

/**
 * Releases every claim left in `dir` by a process that stopped. One that
 * cannot be released stays claimed (nothing is lost) and is reported in
 * `failed`; it never stops the others, nor the server's start.
 */
export async function releaseLeftoverClaims(
  dir: string,
): Promise<{ released: number; failed: { file: string; error: string }[] }> {
  let released = 0;
  const failed: { file: string; error: string }[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile || !entry.name.startsWith(CLAIM_PREFIX)) continue;
    const rest = entry.name.slice(CLAIM_PREFIX.length);
    const dot = rest.indexOf(".");
    const name = dot >= 0 && dot + 1 < rest.length ? rest.slice(dot + 1) : `recovered-${rest}`;
    try {
      await releaseClaim(join(dir, entry.name), dir, name);
      released++;
    } catch (error) {
      failed.push({ file: entry.name, error: String(error) });
    }
  }
  return { released, failed };
}
