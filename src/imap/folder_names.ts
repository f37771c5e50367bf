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
 * A mailbox name with its INBOX level spelt "INBOX": "INBOX" in any case is
 * INBOX (RFC 3501 5.1), also as the first level of its children ("inbox.Lists"
 * is "INBOX.Lists", as LIST patterns match it); other names keep their case.
 */
export function canonicalName(name: string): string {
  const first = name.split(DELIMITER, 1)[0] as string;
  return first.toUpperCase() === INBOX ? INBOX + name.slice(INBOX.length) : name;
}

/**
 * The folder a client's mailbox name means (`canonicalName`); anything but
 * INBOX must pass `folderNameProblem` (else NO [CANNOT]).
 */
export function toFolder(name: string): string {
  const folder = canonicalName(name);
  if (folder === INBOX) return INBOX;
  const problem = folderNameProblem(folder);
  if (problem !== null) throw no(`Invalid mailbox name: ${problem}`, "CANNOT");
  return folder;
}

/** The special-use attribute of a top-level folder, or null. */
export function specialUse(folder: string): string | null {
  return SPECIAL_USE.get(folder) ?? null;
}

/**
 * A LIST pattern as a matcher: "*" matches anything, "%" anything but the
 * delimiter; INBOX matches without regard to case. No regular expression:
 * the match walks the name once, carrying the set of pattern positions
 * reached so far, so its cost is at most name length x pattern length
 * whatever the wildcards (a backtracking regex took exponential time).
 */
export function patternMatcher(pattern: string): (name: string) => boolean {
  // Runs of "*" (or of "%") mean the same as one; "*" in a run of wildcards subsumes "%".
  // Built in an array: reading the last character of a string grown one character at a
  // time copies it whole each time, and a command line's 256 KB pattern took 20 s.
  const chars: string[] = [];
  for (const char of pattern) {
    const last = chars.at(-1);
    if ((char === "*" || char === "%") && (last === "*" || last === "%")) {
      if (char === "*") chars[chars.length - 1] = "*";
    } else {
      chars.push(char);
    }
  }
  const compact = chars.join("");
  // Each literal character of the pattern takes one of the name's: a name shorter than
  // that cannot match, and is not walked (a 200 KB pattern cost each name 200 KB per character).
  const literalChars = chars.filter((char) => char !== "*" && char !== "%").length;
  // The INBOX level of a name matches without regard to case ("inbox.%" lists INBOX.Lists);
  // "inboxold" is another name, matched as it is spelt.
  return (name) => {
    if (name.length < literalChars) return false;
    const isInInbox = name === INBOX || name.startsWith(INBOX + DELIMITER);
    return matchPattern(compact, name, isInInbox ? INBOX.length : 0);
  };
}

/** Matches `name`; its first `foldedChars` characters (upper case) match either case. */
function matchPattern(pattern: string, name: string, foldedChars: number): boolean {
  const size = pattern.length;
  const start = new Uint8Array(size + 1);
  start[0] = 1;
  let reached = closeOverWildcards(pattern, start);
  for (let i = 0; i < name.length; i++) {
    const char = name[i];
    const next = new Uint8Array(size + 1);
    let isAlive = false;
    for (let j = 0; j < size; j++) {
      if (reached[j] === 0) continue;
      const token = pattern[j];
      if (token === "*" || (token === "%" && char !== DELIMITER)) next[j] = 1;
      else if (token === char || (i < foldedChars && token?.toUpperCase() === char)) {
        next[j + 1] = 1;
      } else continue;
      isAlive = true;
    }
    if (!isAlive) return false;
    reached = closeOverWildcards(pattern, next);
  }
  return reached[size] === 1;
}

/** A wildcard may match nothing: a position before one also reaches the position after it. */
function closeOverWildcards(pattern: string, reached: Uint8Array): Uint8Array {
  for (let j = 0; j < pattern.length; j++) {
    const token = pattern[j];
    if (reached[j] === 1 && (token === "*" || token === "%")) reached[j + 1] = 1;
  }
  return reached;
}
