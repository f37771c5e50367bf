/**
 * The aliases file: where an address that is not an account delivers.
 *
 * ```
 * # comment
 * postmaster@example.com: bob@example.com, carol@example.com
 * team@example.com: bob@example.com, friend@elsewhere.org
 * @example.com: bob@example.com
 * ```
 *
 * The left side is an account-style address, or `@domain` for a catch-all of
 * that domain. Targets are full addresses, local or on other servers (mail to
 * those is relayed). Everything is normalized to lowercase; a target's
 * spelling is kept beside, for forwards (see {@link AliasTable}).
 */

import {
  isValidAccountAddress,
  isValidDomain,
  isValidTargetAddress,
  normalizeAddress,
} from "./address.ts";
import { UnreadableFileError } from "./watched_file.ts";

/**
 * Normalized alias -> normalized targets. Keys are `alias@domain`, or
 * `@domain` for a catch-all. `spellings` holds, for a target written with
 * capitals in its local part (`John.Smith@elsewhere.org`), that spelling:
 * RFC 5321 2.4 leaves a local part's case to the server it belongs to, so a
 * forward goes out as written, not lowercased.
 */
export type AliasTable = ReadonlyMap<string, readonly string[]> & {
  readonly spellings: ReadonlyMap<string, string>;
};

/** The table key of the catch-all for `domain`. */
export function catchAllKey(domain: string): string {
  return `@${domain}`;
}

function parseAliasName(raw: string): string | { error: string } {
  const name = normalizeAddress(raw);
  if (name.startsWith("@")) {
    return isValidDomain(name.slice(1)) ? name : { error: `invalid catch-all domain "${raw}"` };
  }
  return isValidAccountAddress(name) ? name : { error: `invalid alias address "${raw}"` };
}

function parseTargets(raw: string, spellings: Map<string, string>): string[] | { error: string } {
  // A set, not a search of the list so far: a list of 20,000 targets took seconds (quadratic).
  const targets = new Set<string>();
  for (const piece of raw.split(",")) {
    const target = normalizeAddress(piece);
    if (target === "") return { error: "empty target" };
    if (!isValidTargetAddress(target)) return { error: `invalid target address "${piece.trim()}"` };
    targets.add(target);
    const at = piece.lastIndexOf("@");
    const spelled = `${piece.slice(0, at).trim()}${target.slice(target.lastIndexOf("@"))}`;
    if (spelled !== target && !spellings.has(target)) spellings.set(target, spelled);
  }
  return [...targets];
}

/**
 * Parses the text of an aliases file (pure). Throws
 * `Cannot read aliases file "X": line N: ...` on the first bad line.
 */
export function parseAliases(text: string, fileName: string): AliasTable {
  const spellings = new Map<string, string>();
  const table = Object.assign(new Map<string, readonly string[]>(), { spellings });
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? "").replace(/\r$/, "").trim();
    if (line === "" || line.startsWith("#")) continue;
    const fail = (detail: string) =>
      new Error(`Cannot read aliases file "${fileName}": line ${i + 1}: ${detail}`);
    const colon = line.indexOf(":");
    if (colon < 0) throw fail(`expected "alias@domain: target, target"`);
    const name = parseAliasName(line.slice(0, colon));
    if (typeof name !== "string") throw fail(name.error);
    const rest = line.slice(colon + 1).trim();
    if (rest === "") throw fail(`no targets for "${name}"`);
    const targets = parseTargets(rest, spellings);
    if (!Array.isArray(targets)) throw fail(targets.error);
    if (table.has(name)) throw fail(`duplicate alias "${name}"`);
    table.set(name, targets);
  }
  return table;
}

/**
 * Reads and parses an aliases file. A missing file is an empty table; an
 * unreadable or malformed one throws an Error naming the file (and line).
 */
export async function readAliasesFile(path: string): Promise<AliasTable> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return parseAliases("", path);
    const reason = error instanceof Error ? error.message : String(error);
    throw new UnreadableFileError(`Cannot read aliases file "${path}": ${reason}`, {
      cause: error,
    });
  }
  return parseAliases(text, path);
}
