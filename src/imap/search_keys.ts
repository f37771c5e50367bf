/**
 * SEARCH criteria (RFC 3501 6.4.4): parsing into a tree of keys. Several
 * keys in a row mean AND; `NOT`, `OR` and parentheses nest.
 */
import { bad, no } from "./errors.ts";
import type { CommandCursor } from "./parser.ts";
import type { SequenceSet } from "./sequence_set.ts";

/** One search key. Dates are UTC day numbers (days since 1970-01-01). */
export type SearchKey =
  | { kind: "all" }
  | { kind: "flag"; flag: string; isSet: boolean }
  | { kind: "recent"; isSet: boolean }
  | { kind: "header"; field: string; value: string }
  | { kind: "body"; value: string }
  | { kind: "text"; value: string }
  | { kind: "date"; isSentDate: boolean; op: "before" | "on" | "since"; day: number }
  | { kind: "size"; op: "larger" | "smaller"; bytes: number }
  | { kind: "uid"; set: SequenceSet }
  | { kind: "seq"; set: SequenceSet }
  | { kind: "not"; key: SearchKey }
  | { kind: "or"; left: SearchKey; right: SearchKey }
  | { kind: "and"; keys: SearchKey[] };

const FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ["\\Answered", true],
  DELETED: ["\\Deleted", true],
  DRAFT: ["\\Draft", true],
  FLAGGED: ["\\Flagged", true],
  SEEN: ["\\Seen", true],
  UNANSWERED: ["\\Answered", false],
  UNDELETED: ["\\Deleted", false],
  UNDRAFT: ["\\Draft", false],
  UNFLAGGED: ["\\Flagged", false],
  UNSEEN: ["\\Seen", false],
};
const HEADER_KEYS = new Set(["FROM", "TO", "CC", "BCC", "SUBJECT"]);
const DATE_KEYS: Record<string, [boolean, "before" | "on" | "since"]> = {
  BEFORE: [false, "before"],
  ON: [false, "on"],
  SINCE: [false, "since"],
  SENTBEFORE: [true, "before"],
  SENTON: [true, "on"],
  SENTSINCE: [true, "since"],
};
const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const MAX_DEPTH = 32;

/**
 * Parses the SEARCH arguments (after "SEARCH "): an optional `CHARSET x`
 * then one or more keys. Only US-ASCII and UTF-8 are accepted.
 */
export function parseSearch(cursor: CommandCursor): SearchKey {
  if (cursor.peek().toUpperCase() === "C") return parseAfterWord(cursor.atom(), cursor);
  return parseKeyList(cursor, 0);
}

/**
 * Parses SEARCH arguments that may begin with RFC 4731's return options:
 * `RETURN (MIN COUNT) CHARSET x keys` (RFC 4466 2.6: they come first).
 * `returns` is null without RETURN, the option names as given otherwise.
 */
export function parseSearchWithReturn(
  cursor: CommandCursor,
): { returns: string[] | null; key: SearchKey } {
  if (!/[A-Za-z]/.test(cursor.peek())) return { returns: null, key: parseSearch(cursor) };
  const word = cursor.atom();
  if (word.toUpperCase() !== "RETURN") return { returns: null, key: parseAfterWord(word, cursor) };
  cursor.sp();
  const returns = cursor.list((c) => c.atom().toUpperCase());
  cursor.sp();
  return { returns, key: parseSearch(cursor) };
}

/** The rest of the search arguments after their first word: a charset, or the first key. */
function parseAfterWord(word: string, cursor: CommandCursor): SearchKey {
  if (word.toUpperCase() === "CHARSET") {
    cursor.sp();
    checkCharset(cursor.astring());
    cursor.sp();
    return parseKeyList(cursor, 0);
  }
  const first = keyFromWord(word, cursor, 0);
  if (cursor.atEnd()) return first;
  cursor.sp();
  const rest = parseKeyList(cursor, 0);
  return { kind: "and", keys: [first, rest] };
}

/**
 * A search charset must be one we know (RFC 3501 6.4.4, RFC 5256 3 for
 * SORT, which names it always): US-ASCII and UTF-8, else NO [BADCHARSET].
 */
export function checkCharset(charset: string): void {
  const name = charset.toUpperCase();
  if (name !== "UTF-8" && name !== "US-ASCII") {
    throw no(`Unsupported charset "${name.slice(0, 40)}"`, "BADCHARSET (UTF-8 US-ASCII)");
  }
}

/** One or more search keys in a row (ANDed), without a charset: SORT's search-criteria. */
export function parseSearchKeys(cursor: CommandCursor): SearchKey {
  return parseKeyList(cursor, 0);
}

function parseKeyList(cursor: CommandCursor, depth: number): SearchKey {
  const keys = [parseKey(cursor, depth)];
  while (!cursor.atEnd() && cursor.peek() !== ")") {
    cursor.sp();
    keys.push(parseKey(cursor, depth));
  }
  return keys.length === 1 ? keys[0] as SearchKey : { kind: "and", keys };
}

/** Parses one key. */
export function parseKey(cursor: CommandCursor, depth = 0): SearchKey {
  if (depth > MAX_DEPTH) throw bad("Search criteria nested too deeply");
  if (cursor.accept("(")) {
    const inner = parseKeyList(cursor, depth + 1);
    cursor.expect(")");
    return inner;
  }
  if (/[0-9*]/.test(cursor.peek())) return { kind: "seq", set: cursor.sequenceSet() };
  return keyFromWord(cursor.atom(), cursor, depth);
}

function keyFromWord(word: string, cursor: CommandCursor, depth: number): SearchKey {
  const name = word.toUpperCase();
  const flagKey = FLAG_KEYS[name];
  if (flagKey !== undefined) return { kind: "flag", flag: flagKey[0], isSet: flagKey[1] };
  const dateKey = DATE_KEYS[name];
  if (dateKey !== undefined) {
    cursor.sp();
    return { kind: "date", isSentDate: dateKey[0], op: dateKey[1], day: parseDay(cursor) };
  }
  if (HEADER_KEYS.has(name)) {
    cursor.sp();
    return { kind: "header", field: name, value: cursor.astring() };
  }
  switch (name) {
    case "ALL":
      return { kind: "all" };
    case "NEW":
      return {
        kind: "and",
        keys: [{ kind: "recent", isSet: true }, { kind: "flag", flag: "\\Seen", isSet: false }],
      };
    case "OLD":
      return { kind: "recent", isSet: false };
    case "RECENT":
      return { kind: "recent", isSet: true };
    case "KEYWORD":
    case "UNKEYWORD":
      cursor.sp();
      return { kind: "flag", flag: cursor.atom(), isSet: name === "KEYWORD" };
    case "HEADER": {
      cursor.sp();
      const field = cursor.astring().toUpperCase();
      cursor.sp();
      return { kind: "header", field, value: cursor.astring() };
    }
    case "BODY":
    case "TEXT":
      cursor.sp();
      return { kind: name === "BODY" ? "body" : "text", value: cursor.astring() };
    case "LARGER":
    case "SMALLER":
      cursor.sp();
      return { kind: "size", op: name === "LARGER" ? "larger" : "smaller", bytes: cursor.number() };
    case "UID":
      cursor.sp();
      return { kind: "uid", set: cursor.sequenceSet() };
    case "NOT":
      cursor.sp();
      return { kind: "not", key: parseKey(cursor, depth + 1) };
    case "OR": {
      cursor.sp();
      const left = parseKey(cursor, depth + 1);
      cursor.sp();
      return { kind: "or", left, right: parseKey(cursor, depth + 1) };
    }
  }
  throw bad(`Unknown search key "${word.slice(0, 40)}"`);
}

/** Parses a search date `1-Feb-1994` (optionally quoted) into a UTC day number. */
function parseDay(cursor: CommandCursor): number {
  const text = cursor.astring();
  const day = parseDateText(text);
  if (day === null) throw bad(`Invalid date "${text.slice(0, 40)}"`);
  return day;
}

/** `d-Mon-yyyy` -> UTC day number, or null. */
export function parseDateText(text: string): number | null {
  const match = /^([0-9]{1,2})-([A-Za-z]{3})-([0-9]{4})$/.exec(text);
  if (match === null) return null;
  const month = MONTHS.indexOf((match[2] as string).toUpperCase());
  const dayOfMonth = Number(match[1]);
  if (month < 0 || dayOfMonth < 1 || dayOfMonth > 31) return null;
  // Date.UTC reads years 0-99 as 1900-1999; setUTCFullYear takes the year as written.
  const ms = new Date(0).setUTCFullYear(Number(match[3]), month, dayOfMonth);
  if (new Date(ms).getUTCDate() !== dayOfMonth) return null;
  return Math.floor(ms / 86_400_000);
}

/**
 * SORT's and THREAD's search part (RFC 5256 4: search-charset 1*(SP search-key), the charset
 * not optional there): the keys, the command ended, and the charset checked after, so a
 * grammar error is BAD before an unknown charset is NO [BADCHARSET].
 */
export function parseCharsetAndKeys(cursor: CommandCursor): SearchKey {
  const charset = cursor.astring();
  cursor.sp();
  const key = parseSearchKeys(cursor);
  cursor.end();
  checkCharset(charset);
  return key;
}
