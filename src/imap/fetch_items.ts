/**
 * FETCH data items (RFC 3501 6.4.5): parsing the attribute list, including
 * `BODY[section]<partial>` and `BODY.PEEK`, and naming each item in the reply.
 */
import { bad } from "./errors.ts";
import type { CommandCursor } from "./parser.ts";
import { astringOut } from "./wire_format.ts";

/** A body section: part path ([] = the whole message) and what of it. */
export interface Section {
  part: number[];
  kind: "" | "HEADER" | "HEADER.FIELDS" | "HEADER.FIELDS.NOT" | "TEXT" | "MIME";
  /** Header field names for HEADER.FIELDS (NOT), uppercased. */
  fields: string[];
}

/** Plain data items. */
export const SIMPLE_ITEMS = [
  "FLAGS",
  "INTERNALDATE",
  "RFC822.SIZE",
  "ENVELOPE",
  "BODYSTRUCTURE",
  "BODY",
  "UID",
  "RFC822",
  "RFC822.HEADER",
  "RFC822.TEXT",
] as const;

/** One thing the client asked for. */
export type FetchItem =
  | { kind: "simple"; name: typeof SIMPLE_ITEMS[number] }
  | {
    kind: "section";
    isPeek: boolean;
    section: Section;
    partial: { offset: number; length: number } | null;
  };

const MACROS: Record<string, readonly typeof SIMPLE_ITEMS[number][]> = {
  ALL: ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"],
  FAST: ["FLAGS", "INTERNALDATE", "RFC822.SIZE"],
  FULL: ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"],
};

/** Parses the FETCH item argument: a macro, one item, or a parenthesised list. */
export function parseFetchItems(cursor: CommandCursor): FetchItem[] {
  if (cursor.peek() === "(") {
    // RFC 3501 9: "(" fetch-att *(SP fetch-att) ")"; an empty list would answer "* n FETCH ()".
    const items = cursor.list(parseFetchItem);
    if (items.length === 0) throw bad("Empty FETCH item list");
    return items;
  }
  const start = cursor.word();
  const macro = MACROS[start.toUpperCase()];
  if (macro !== undefined) {
    return macro.map((name) => ({ kind: "simple", name } as FetchItem));
  }
  return [itemFromAtom(start, cursor)];
}

function parseFetchItem(cursor: CommandCursor): FetchItem {
  return itemFromAtom(cursor.word(), cursor);
}

/** Finishes an item whose name was read; reads a `[section]<partial>` if one follows. */
function itemFromAtom(word: string, cursor: CommandCursor): FetchItem {
  const name = word.toUpperCase();
  if ((name === "BODY" || name === "BODY.PEEK") && cursor.accept("[")) {
    const section = parseSection(cursor);
    const partial = cursor.accept("<") ? parsePartial(cursor) : null;
    return { kind: "section", isPeek: name === "BODY.PEEK", section, partial };
  }
  const simple = SIMPLE_ITEMS.find((item) => item === name);
  if (simple === undefined) throw bad(`Unknown FETCH item "${word.slice(0, 40)}"`);
  return { kind: "simple", name: simple };
}

/** The largest number in IMAP's syntax (RFC 3501 9: an unsigned 32-bit integer). */
const MAX_NUMBER = 4294967295;

/** Parses what follows "[" up to and including "]". */
export function parseSection(cursor: CommandCursor): Section {
  const part: number[] = [];
  let kind: Section["kind"] = "";
  let fields: string[] = [];
  if (cursor.accept("]")) return { part, kind, fields };
  const spec = cursor.word().toUpperCase();
  const words = spec.split(".");
  // Walked with an index: taking each number off the front of the array moved all the
  // others, and "1.1.1..." as long as a command line took most of a second.
  let at = 0;
  while (at < words.length && /^[1-9][0-9]*$/.test(words[at] as string)) {
    const index = Number(words[at++]);
    // An nz-number is an unsigned 32-bit number (RFC 3501 9); past that the reply would
    // name the section as "1e+23".
    if (index > MAX_NUMBER) throw bad(`Invalid section "${spec.slice(0, 40)}"`);
    part.push(index);
  }
  const rest = words.slice(at).join(".");
  if (rest === "HEADER" || rest === "TEXT") kind = rest;
  else if (rest === "MIME" && part.length > 0) kind = rest;
  else if (rest === "HEADER.FIELDS" || rest === "HEADER.FIELDS.NOT") {
    kind = rest;
    cursor.sp();
    fields = cursor.list((c) => c.astring().toUpperCase());
    if (fields.length === 0) throw bad("Empty header field list");
  } else if (rest !== "") throw bad(`Invalid section "${spec.slice(0, 40)}"`);
  cursor.expect("]");
  return { part, kind, fields };
}

function parsePartial(cursor: CommandCursor): { offset: number; length: number } {
  const offset = cursor.number();
  cursor.expect(".");
  const length = cursor.number();
  if (length === 0) throw bad("Partial length must be positive");
  cursor.expect(">");
  return { offset, length };
}

/** The section as it appears between brackets in a reply: "1.HEADER.FIELDS (FROM TO)". */
export function formatSection(section: Section): string {
  const parts = [...section.part.map(String)];
  if (section.kind !== "") parts.push(section.kind);
  const head = parts.join(".");
  // Each name is an astring (RFC 3501 9): "X A" or "" must not come back as two names or none.
  return section.fields.length > 0 ? `${head} (${section.fields.map(astringOut).join(" ")})` : head;
}

/** Whether fetching these items sets \Seen (a non-PEEK body, RFC822 or RFC822.TEXT). */
export function setsSeen(items: readonly FetchItem[]): boolean {
  return items.some((item) =>
    item.kind === "section" ? !item.isPeek : item.name === "RFC822" || item.name === "RFC822.TEXT"
  );
}
