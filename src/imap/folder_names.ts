/**
 * IMAP mailbox names and folders on disk. The hierarchy delimiter is ".",
 * as in Maildir++, and the name is kept in its modified UTF-7 wire form on
 * disk (`.Entw&APw-rfe`), so disk names are always ASCII. A name must
 * decode as modified UTF-7 and may not hold "/", "\", control characters,
 * wildcards, empty levels ("..", a leading or trailing ".") — so it can
 * never leave the account's directory.
 */
import { INBOX } from "../mailbox/mod.ts";
import { no } from "./errors.ts";
import { decodeMailboxName } from "./mutf7.ts";

/** The special-use folders (RFC 6154) created at first login, and their attributes. */
export const SPECIAL_USE: ReadonlyMap<string, string> = new Map([
  ["Sent", "\\Sent"],
  ["Drafts", "\\Drafts"],
  ["Trash", "\\Trash"],
  ["Junk", "\\Junk"],
  ["Archive", "\\Archive"],
]);

/** The hierarchy delimiter. */
export const DELIMITER = ".";

/** Why a name is refused, or null when it is acceptable. */
export function folderNameProblem(name: string): string | null {
  if (name === "") return "empty name";
  if (name.length > 200) return "name too long";
  if (/[\x00-\x1f\x7f\/\\%*]/.test(name)) return "forbidden character";
  if (name.split(DELIMITER).some((level) => level === "")) return "empty hierarchy level";
  if (decodeMailboxName(name) === null) return "not valid modified UTF-7";
  return null;
}

/**
 * The folder a client's mailbox name means: "INBOX" in any case is INBOX;
 * anything else must pass `folderNameProblem` (else NO [CANNOT]).
 */
export function toFolder(name: string): string {
  if (name.toUpperCase() === INBOX) return INBOX;
  const problem = folderNameProblem(name);
  if (problem !== null) throw no(`Invalid mailbox name: ${problem}`, "CANNOT");
  return name;
}

/** The special-use attribute of a top-level folder, or null. */
export function specialUse(folder: string): string | null {
  return SPECIAL_USE.get(folder) ?? null;
}

/**
 * A LIST pattern as a regular expression: "*" matches anything, "%"
 * anything but the delimiter; INBOX matches without regard to case.
 */
export function patternToRegExp(pattern: string): RegExp {
  const normalised = pattern.slice(0, 5).toUpperCase() === INBOX
    ? INBOX + pattern.slice(5)
    : pattern;
  let source = "";
  for (const char of normalised) {
    if (char === "*") source += ".*";
    else if (char === "%") source += "[^.]*";
    else source += char.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}
