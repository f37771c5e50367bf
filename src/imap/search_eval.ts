/**
 * Evaluating SEARCH keys against one message. Pure: the caller loads what
 * `searchNeeds` says the keys look at (nothing, the header, or the whole
 * message) and passes it in. Matching is a case-insensitive substring test
 * on decoded text: header values with RFC 2047 encoded words decoded, the
 * body as `searchableBody` gives it (text parts, transfer encodings and
 * charsets undone).
 */
import { searchableHeader } from "../mail/body_text.ts";
import { decodeHeaderText } from "../mail/encoded_words.ts";
import type { SearchKey } from "./search_keys.ts";
import { sentDay } from "./sent_day.ts";
import { setContains } from "./sequence_set.ts";

/** What a key can look at for one message. */
export interface SearchSubject {
  seq: number;
  uid: number;
  flags: ReadonlySet<string>;
  isRecent: boolean;
  sizeBytes: number;
  internalDateMs: number;
  /** The header section (unfolding not needed), when `searchNeeds` asked for it. */
  header?: string;
  /** The decoded body text (`searchableBody`), when `searchNeeds` said "full". */
  body?: string;
  /** The MIME headers of the message's parts (`searchableText`), when "full": TEXT reads them. */
  partHeaders?: string;
}

/** The mailbox-wide values `*` stands for. */
export interface SearchContext {
  messageCount: number;
  maxUid: number;
}

/** What must be read from disk to evaluate `key`. */
export function searchNeeds(key: SearchKey): "meta" | "header" | "full" {
  switch (key.kind) {
    case "header":
      return "header";
    case "date":
      return key.isSentDate ? "header" : "meta";
    case "body":
    case "text":
      return "full";
    case "not":
      return searchNeeds(key.key);
    case "or":
      return widest([searchNeeds(key.left), searchNeeds(key.right)]);
    case "and":
      return widest(key.keys.map(searchNeeds));
    default:
      return "meta";
  }
}

/** Whether `key` compares sizes (LARGER, SMALLER). */
export function searchUsesSize(key: SearchKey): boolean {
  switch (key.kind) {
    case "size":
      return true;
    case "not":
      return searchUsesSize(key.key);
    case "or":
      return searchUsesSize(key.left) || searchUsesSize(key.right);
    case "and":
      return key.keys.some(searchUsesSize);
    default:
      return false;
  }
}

function widest(needs: ("meta" | "header" | "full")[]): "meta" | "header" | "full" {
  if (needs.includes("full")) return "full";
  return needs.includes("header") ? "header" : "meta";
}

/** Whether `subject` matches `key`. */
export function matchesSearch(
  key: SearchKey,
  subject: SearchSubject,
  context: SearchContext,
): boolean {
  switch (key.kind) {
    case "all":
      return true;
    case "flag":
      return hasFlag(subject.flags, key.flag) === key.isSet;
    case "recent":
      return subject.isRecent === key.isSet;
    case "header":
      return headerValues(subject.header ?? "", key.field).some((value) =>
        contains(decodeHeaderText(value), key.value)
      );
    case "body":
      return contains(subject.body ?? "", key.value);
    case "text":
      // "Header or body" (RFC 3501 6.4.4): the parts' MIME headers (an attachment's name)
      // are header text written in the body; BODY keeps to the text the parts hold.
      return contains(searchableHeader(subject.header ?? ""), key.value) ||
        contains(subject.partHeaders ?? "", key.value) ||
        contains(subject.body ?? "", key.value);
    case "date": {
      const day = key.isSentDate
        ? sentDayOf(subject.header ?? "")
        : Math.floor(subject.internalDateMs / 86_400_000);
      if (day === null) return false;
      if (key.op === "before") return day < key.day;
      return key.op === "on" ? day === key.day : day >= key.day;
    }
    case "size":
      return key.op === "larger" ? subject.sizeBytes > key.bytes : subject.sizeBytes < key.bytes;
    case "uid":
      return setContains(key.set, subject.uid, context.maxUid);
    case "seq":
      return setContains(key.set, subject.seq, context.messageCount);
    case "not":
      return !matchesSearch(key.key, subject, context);
    case "or":
      return matchesSearch(key.left, subject, context) ||
        matchesSearch(key.right, subject, context);
    case "and":
      return key.keys.every((inner) => matchesSearch(inner, subject, context));
  }
}

function hasFlag(flags: ReadonlySet<string>, flag: string): boolean {
  if (flags.has(flag)) return true;
  const lower = flag.toLowerCase();
  for (const present of flags) if (present.toLowerCase() === lower) return true;
  return false;
}

/** Case-insensitive (Unicode lowercase, NFC) substring test. */
function contains(haystack: string, needle: string): boolean {
  return haystack.normalize("NFC").toLowerCase().includes(needle.normalize("NFC").toLowerCase());
}

/** The unfolded values of every `field` header in `header` (field uppercased). */
export function headerValues(header: string, field: string): string[] {
  const values: string[] = [];
  const lines = header.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(":");
    // A line starting with a blank continues the field before it (RFC 5322 2.2.3): its
    // text is no field name, however it reads. Blanks before the colon are obsolete
    // syntax (4.5) and still name the field.
    if (colon <= 0 || /^[ \t]/.test(line)) continue;
    if (line.slice(0, colon).trimEnd().toUpperCase() !== field) continue;
    let value = line.slice(colon + 1);
    while (i + 1 < lines.length && /^[ \t]/.test(lines[i + 1] as string)) value += lines[++i];
    values.push(value.trim());
  }
  return values;
}

/** The day the first Date field names (see `sentDay`), or null. */
function sentDayOf(header: string): number | null {
  const value = headerValues(header, "DATE")[0];
  return value === undefined ? null : sentDay(value);
}
