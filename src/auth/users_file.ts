/**
 * The users file: one account per line, `address:hash`.
 *
 * ```
 * # Pillarbox accounts
 * bob@example.com:scrypt$16384$8$1$...$...
 * ```
 *
 * Blank lines and lines starting with `#` are ignored; a hash must be one
 * {@link isPasswordHash} accepts (scrypt). The server reads it;
 * `pillarbox user` rewrites it atomically (the server notices the change).
 */

import { isValidAccountAddress, normalizeAddress } from "./address.ts";
import { basename, dirname, join } from "node:path";
import { isPasswordHash } from "./password.ts";
import { type FileOwner, giveTo, ownerToGive, syncDir, writeFileAtomic } from "../spool/mod.ts";
import { randomHex } from "../log/mod.ts";
import { UnreadableFileError } from "./watched_file.ts";

const HEADER = "# Pillarbox accounts: address:password-hash. Edit with `pillarbox user`.\n";
const HASH_TOKEN = /^[^\s:]+$/;

/**
 * Parses the text of a users file into normalized address -> hash.
 * Throws `Cannot read users file "X": line N: ...` on the first bad line.
 */
export function parseUsers(text: string, fileName: string): Map<string, string> {
  const users = new Map<string, string>();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? "").replace(/\r$/, "").trim();
    if (line === "" || line.startsWith("#")) continue;
    const fail = (detail: string) =>
      new Error(`Cannot read users file "${fileName}": line ${i + 1}: ${detail}`);
    const colon = line.indexOf(":");
    if (colon < 0) throw fail(`expected "address:hash"`);
    const address = normalizeAddress(line.slice(0, colon));
    const hash = line.slice(colon + 1).trim();
    if (!isValidAccountAddress(address)) {
      throw fail(`invalid account address "${line.slice(0, colon)}"`);
    }
    if (!HASH_TOKEN.test(hash)) throw fail(`missing or malformed password hash for "${address}"`);
    // A hash that cannot be verified (another scheme, a plain password, a cost out of
    // bounds) would refuse every login of the account without a word to anyone.
    if (!isPasswordHash(hash)) {
      throw fail(
        `unsupported or malformed password hash for "${address}" ` +
          `(expected scrypt$N$r$p$SALT$KEY, as "pillarbox user" writes)`,
      );
    }
    if (users.has(address)) throw fail(`duplicate account "${address}"`);
    users.set(address, hash);
  }
  return users;
}

/** Renders accounts as users-file text, sorted by address, with a header comment. */
export function formatUsers(users: ReadonlyMap<string, string>): string {
  const lines = [...users.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([address, hash]) => {
      if (!isValidAccountAddress(address)) {
        throw new Error(`Cannot write users file: invalid account address "${address}"`);
      }
      if (!HASH_TOKEN.test(hash)) {
        throw new Error(`Cannot write users file: malformed password hash for "${address}"`);
      }
      return `${address}:${hash}\n`;
    });
  return HEADER + lines.join("");
}

/**
 * Reads the users file. A missing file is an empty map; a malformed line
 * throws an Error naming the file and the line.
 */
export async function readUsersFile(path: string): Promise<Map<string, string>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return new Map();
    const reason = error instanceof Error ? error.message : String(error);
    throw new UnreadableFileError(`Cannot read users file "${path}": ${reason}`, { cause: error });
  }
  return parseUsers(text, path);
}

/**
 * Replaces the users file atomically (temporary file, fsync, rename, fsync of
 * the directory), mode 0600. Addresses must be canonical account addresses.
 * Run as root (`sudo pillarbox user add`), the file keeps its owner (a new
 * one gets its folder's): the server, running as the spool's user, must go on
 * reading it.
 */
export async function writeUsersFile(
  path: string,
  users: ReadonlyMap<string, string>,
): Promise<void> {
  const chunks = [new TextEncoder().encode(formatUsers(users))];
  const owner = await usersFileOwner(path);
  if (owner === null) {
    await writeFileAtomic(path, chunks, { mode: 0o600 });
    return;
  }
  // Given away before it takes the name: the server never sees a users file it cannot read.
  const staged = `${path}.new-${randomHex(6)}`;
  try {
    await writeFileAtomic(staged, chunks, { mode: 0o600 });
    await giveTo(staged, owner);
    await Deno.rename(staged, path);
  } catch (error) {
    await Deno.remove(staged).catch(() => {});
    throw error;
  }
  await syncDir(dirname(path) || ".");
}

/** Whom a rewritten users file must belong to: the file's owner, or for a new one its folder's. */
async function usersFileOwner(path: string): Promise<FileOwner | null> {
  try {
    await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return await ownerToGive(dirname(path) || ".");
    throw error;
  }
  return await ownerToGive(path);
}

/**
 * Read-modify-write of the users file under an exclusive lock (flock on the
 * file's directory, since the file itself is replaced by rename), so two
 * `pillarbox user` commands never lose each other's change. `change` edits
 * the map and returns true to write it back; if it throws, nothing is written.
 */
export async function updateUsersFile(
  path: string,
  change: (users: Map<string, string>) => boolean | Promise<boolean>,
): Promise<void> {
  const lock = Deno.build.os === "windows" ? null : await Deno.open(dirname(path) || ".");
  try {
    await lock?.lock(true);
    await removeHalfWritten(path);
    const users = await readUsersFile(path);
    if (await change(users)) await writeUsersFile(path, users);
  } finally {
    lock?.close();
  }
}

/**
 * Removes the copies a `pillarbox user` command killed half-way through
 * `writeUsersFile` left beside the users file (`users.tmp-<hex>`, and when
 * staged for another owner `users.new-<hex>` and `users.new-<hex>.tmp-<hex>`):
 * each holds every account's password hash, and nothing else would ever
 * remove it. Only under the lock of `updateUsersFile`, when no other command
 * can be writing one.
 */
async function removeHalfWritten(path: string): Promise<void> {
  const dir = dirname(path) || ".";
  const name = basename(path).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const ours = new RegExp(
    `^${name}\\.(?:tmp-[0-9a-f]{12}|new-[0-9a-f]{12}(?:\\.tmp-[0-9a-f]{12})?)$`,
  );
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && ours.test(entry.name)) {
        await Deno.remove(join(dir, entry.name)).catch(() => {});
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}
