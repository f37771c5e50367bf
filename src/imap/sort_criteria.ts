/**
 * SORT criteria (RFC 5256 3, and RFC 5957's DISPLAYFROM and DISPLAYTO):
 * parsing `(REVERSE DATE SUBJECT)`, the value each criterion takes from one
 * message, and the comparison. Pure: the caller reads the header section
 * once and keeps only the values, never the header, so a sort of 100,000
 * messages holds their keys alone.
 */
import { decodeHeaderText } from "../mail/encoded_words.ts";
import { headerValue } from "../mail/mod.ts";
import { baseSubject } from "./base_subject.ts";
import { parseAddressList } from "./envelope.ts";
import { bad } from "./errors.ts";
import type { CommandCursor } from "./parser.ts";
import { sentTimeMs } from "./sent_day.ts";

/** The sort keys of RFC 5256 3, and DISPLAYFROM and DISPLAYTO of RFC 5957 (SORT=DISPLAY). */
export type SortKey =
  | "ARRIVAL"
  | "CC"
  | "DATE"
  | "FROM"
  | "SIZE"
  | "SUBJECT"
  | "TO"
  | "DISPLAYFROM"
  | "DISPLAYTO";

/** One criterion: a key, descending when `isReverse` (REVERSE binds to this key alone). */
export interface SortCriterion {
  key: SortKey;
  isReverse: boolean;
}

const KEYS: readonly SortKey[] = [
  "ARRIVAL",
  "CC",
  "DATE",
  "FROM",
  "SIZE",
  "SUBJECT",
  "TO",
  "DISPLAYFROM",
  "DISPLAYTO",
];

/**
 * A text key is compared on its first this many characters: enough for
 * any subject or mailbox name a person reads, and a bound on what 100,000
 * kept keys cost (a folder of 100 KB Subjects would otherwise hold them all).
 */
export const MAX_TEXT_KEY_CHARS = 1000;

/** Parses `"(" sort-criterion *(SP sort-criterion) ")"` (RFC 5256 4). */
export function parseSortCriteria(cursor: CommandCursor): SortCriterion[] {
  const criteria = cursor.list((c) => {
    let word = c.atom().toUpperCase();
    const isReverse = word === "REVERSE";
    if (isReverse) {
      c.sp();
      word = c.atom().toUpperCase();
    }
    if (!(KEYS as readonly string[]).includes(word)) {
      throw bad(`Unknown sort criterion "${word.slice(0, 30)}"`);
    }
    return { key: word as SortKey, isReverse };
  });
  if (criteria.length === 0) throw bad("SORT needs at least one criterion");
  return criteria;
}

/** Whether any criterion reads the header section (all but ARRIVAL and SIZE). */
export function sortNeedsHeader(criteria: readonly SortCriterion[]): boolean {
  return criteria.some((criterion) => criterion.key !== "ARRIVAL" && criterion.key !== "SIZE");
}

/** What a message offers the keys: its header section (binary string) and index facts. */
export interface SortSource {
  header: string;
  sizeBytes: number;
  internalDateMs: number;
}

/** The values of `criteria` for one message, in criterion order. */
export function sortValues(
  criteria: readonly SortCriterion[],
  source: SortSource,
): (string | number)[] {
  return criteria.map(({ key }) => {
    switch (key) {
      case "ARRIVAL":
        return source.internalDateMs;
      case "SIZE":
        return source.sizeBytes;
      case "DATE":
        return sentDateMs(source.header, source.internalDateMs);
      case "SUBJECT":
        return textKey(baseSubject(headerValue(source.header, "subject") ?? ""));
      case "DISPLAYFROM":
      case "DISPLAYTO":
        return textKey(firstDisplay(headerValue(source.header, key.slice(7)) ?? ""));
      default:
        return textKey(firstMailbox(headerValue(source.header, key) ?? ""));
    }
  });
}

/**
 * The sent date of RFC 5256 2.2, which SORT DATE and THREAD compare: the
 * Date field's moment in UTC, else (no field, or none that names a day)
 * the INTERNALDATE.
 */
export function sentDateMs(header: string, internalDateMs: number): number {
  const date = headerValue(header, "date");
  return (date === null ? null : sentTimeMs(date)) ?? internalDateMs;
}

/**
 * RFC 5256 3: the addr-mailbox (local part) of the first address, empty
 * when there is none. A group's name is no address: its first member is.
 */
export function firstMailbox(value: string): string {
  for (const item of parseAddressList(value)) {
    if ("mailbox" in item && item.mailbox !== null) return item.mailbox;
  }
  return "";
}

/**
 * RFC 5957 2: what a mail program shows of the first address, its display
 * name (encoded words decoded), or where it has none its address
 * (`local@domain`); empty when there is no address. Groups as in `firstMailbox`.
 */
export function firstDisplay(value: string): string {
  for (const item of parseAddressList(value)) {
    if (!("mailbox" in item) || item.mailbox === null) continue;
    const name = item.name === null ? "" : decodeHeaderText(item.name).trim();
    if (name !== "") return name;
    return item.host === null ? item.mailbox : `${item.mailbox}@${item.host}`;
  }
  return "";
}

/**
 * A string key as i;ascii-casemap compares it (RFC 4790 9.2, the SORT
 * default, RFC 5256 2.1 and 3): a-z as A-Z, all else as it is. Cut to
 * `MAX_TEXT_KEY_CHARS` and made anew, so that it holds no part of the
 * header it was sliced from.
 */
export function textKey(text: string): string {
  const length = Math.min(text.length, MAX_TEXT_KEY_CHARS);
  const codes = new Array<number>(length);
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    codes[i] = code >= 0x61 && code <= 0x7a ? code - 32 : code;
  }
  // A flat string of its own: one built a character at a time is a chain of pieces that
  // each comparison walks again (a sort of 100,000 subjects took twice as long).
  return String.fromCharCode(...codes);
}

/**
 * Compares two strings in code point order (the order of their UTF-8
 * octets, which i;ascii-casemap compares): plain `<` compares UTF-16 units
 * and would put U+FF01 after an emoji.
 */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const isSurrogateX = x >= 0xd800 && x <= 0xdfff;
    const isSurrogateY = y >= 0xd800 && y <= 0xdfff;
    // A surrogate stands for a code point above U+FFFF: above every unit that is not one.
    if (isSurrogateX !== isSurrogateY) return isSurrogateX ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** One message in a sort: its numbers and its values. */
export interface SortEntry {
  seq: number;
  uid: number;
  values: (string | number)[];
}

/**
 * Orders `entries` by `criteria`, ties by sequence number (RFC 5256 3:
 * "the order in which they appear in the mailbox"), which REVERSE never
 * turns round.
 */
export function sortEntries(criteria: readonly SortCriterion[], entries: SortEntry[]): void {
  entries.sort((a, b) => {
    for (let i = 0; i < criteria.length; i++) {
      const x = a.values[i] as string | number;
      const y = b.values[i] as string | number;
      const order = typeof x === "number"
        ? (x as number) - (y as number)
        : compareCodePoints(x, y as string);
      if (order !== 0) return criteria[i]!.isReverse ? -order : order;
    }
    return a.seq - b.seq;
  });
}
